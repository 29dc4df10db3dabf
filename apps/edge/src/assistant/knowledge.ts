/**
 * The assistant's knowledge base, written for this project: exercise technique (cues, muscles, common
 * mistakes), general nutrition and hydration, and the chain's house rules (FAQ). Every answer built
 * from it cites the entry ids it used. General guidance only: nothing here is medical advice.
 */
export interface KnowledgeEntry {
  /** Stable id cited in answers, e.g. `ex.squat`. */
  readonly id: string;
  readonly kind: 'exercise' | 'nutrition' | 'faq';
  readonly title: { readonly pt: string; readonly en: string };
  /** Extra search words (both languages, folded or not). */
  readonly keywords: string;
  readonly text: { readonly pt: string; readonly en: string };
  /** For exercises: the canonical exercise id (see lexicon EXERCISES) and the body parts it trains. */
  readonly exercise?: string;
  readonly trains?: readonly string[];
}

export const KNOWLEDGE: readonly KnowledgeEntry[] = [
  {
    id: 'ex.squat',
    kind: 'exercise',
    exercise: 'squat',
    trains: ['legs', 'glutes', 'abs'],
    title: { pt: 'Agachamento', en: 'Squat' },
    keywords: 'agachamento agachar squat joelho knee quadriceps gluteo lombar profundidade depth',
    text: {
      pt: 'Músculos: quadríceps, glúteos, posteriores e core. Dicas: pés na largura dos ombros, pontas levemente para fora; inspire e contraia o abdômen antes de descer; desça levando o quadril para trás e para baixo, joelhos na direção dos pés; suba empurrando o chão. Erros comuns: joelhos caindo para dentro, calcanhar saindo do chão, lombar arredondando no fundo, descer rápido demais. Desça só até onde mantém a coluna neutra.',
      en: 'Muscles: quads, glutes, hamstrings and core. Cues: feet shoulder-width, toes slightly out; breathe in and brace before going down; sit the hips back and down with knees tracking over the toes; drive up through the whole foot. Common mistakes: knees caving in, heels lifting, lower back rounding at the bottom, dropping too fast. Go only as deep as you can keep a neutral spine.',
    },
  },
  {
    id: 'ex.deadlift',
    kind: 'exercise',
    exercise: 'deadlift',
    trains: ['back', 'legs', 'glutes'],
    title: { pt: 'Levantamento terra', en: 'Deadlift' },
    keywords: 'terra levantamento deadlift coluna lombar posterior costas back hinge',
    text: {
      pt: 'Músculos: posteriores de coxa, glúteos, eretores da coluna, dorsais e antebraços. Dicas: barra sobre o meio do pé; quadril para trás, coluna neutra, peito aberto; contraia o abdômen e "empurre o chão"; barra sempre rente às pernas; termine com o quadril, sem jogar o tronco para trás. Erros comuns: arredondar a lombar, barra longe do corpo, puxar com os braços, hiperestender no topo.',
      en: 'Muscles: hamstrings, glutes, spinal erectors, lats and forearms. Cues: bar over mid-foot; hips back, neutral spine, chest proud; brace and "push the floor away"; keep the bar close to your legs; finish with the hips, not by leaning back. Common mistakes: rounding the lower back, bar drifting away, pulling with the arms, over-extending at the top.',
    },
  },
  {
    id: 'ex.bench_press',
    kind: 'exercise',
    exercise: 'bench_press',
    trains: ['chest', 'arms', 'shoulder'],
    title: { pt: 'Supino', en: 'Bench press' },
    keywords: 'supino bench press peito chest triceps ombro pegada grip',
    text: {
      pt: 'Músculos: peitoral, tríceps e deltoide anterior. Dicas: escápulas retraídas e pés firmes no chão; pegada um pouco mais aberta que os ombros; desça a barra controlando até a linha do peito, cotovelos a uns 45° do tronco; suba sem tirar o quadril do banco. Erros comuns: cotovelos muito abertos, quicar a barra no peito, tirar o glúteo do banco, treinar pesado sem alguém ajudando.',
      en: 'Muscles: chest, triceps and front delts. Cues: shoulder blades pulled back, feet planted; grip slightly wider than the shoulders; lower under control to the chest line with elbows about 45° from the torso; press up without lifting the hips. Common mistakes: flared elbows, bouncing the bar, hips off the bench, going heavy without a spotter.',
    },
  },
  {
    id: 'ex.push_up',
    kind: 'exercise',
    exercise: 'push_up',
    trains: ['chest', 'arms', 'abs'],
    title: { pt: 'Flexão de braço', en: 'Push-up' },
    keywords: 'flexao flexoes push up pushup peito chest triceps',
    text: {
      pt: 'Músculos: peitoral, tríceps, ombros e core. Dicas: mãos um pouco além da largura dos ombros; corpo em linha reta da cabeça aos calcanhares; desça até o peito quase tocar o chão; cotovelos a uns 45°. Para facilitar, apoie os joelhos ou as mãos num banco. Erros comuns: quadril caindo ou empinado, cabeça projetada, amplitude curta.',
      en: 'Muscles: chest, triceps, shoulders and core. Cues: hands slightly wider than the shoulders; body in a straight line from head to heels; lower until the chest nearly touches the floor; elbows about 45°. To make it easier, use your knees or put your hands on a bench. Common mistakes: sagging or piked hips, head poking forward, half reps.',
    },
  },
  {
    id: 'ex.plank',
    kind: 'exercise',
    exercise: 'plank',
    trains: ['abs'],
    title: { pt: 'Prancha', en: 'Plank' },
    keywords: 'prancha plank abdomen core abs isometria',
    text: {
      pt: 'Músculos: core (reto e transverso do abdômen, oblíquos) e glúteos. Dicas: cotovelos sob os ombros; contraia abdômen e glúteos; corpo alinhado; respire normalmente. Comece com 3 séries de 20–30 s e aumente aos poucos. Erros comuns: quadril caindo (sobrecarrega a lombar), quadril alto demais, prender a respiração.',
      en: 'Muscles: core (rectus and transverse abdominis, obliques) and glutes. Cues: elbows under the shoulders; squeeze abs and glutes; body in line; keep breathing. Start with 3 sets of 20–30 s and build up. Common mistakes: sagging hips (loads the lower back), hips too high, holding the breath.',
    },
  },
  {
    id: 'ex.pull_up',
    kind: 'exercise',
    exercise: 'pull_up',
    trains: ['back', 'arms'],
    title: { pt: 'Barra fixa', en: 'Pull-up' },
    keywords: 'barra fixa pull up chin up costas dorsal back biceps',
    text: {
      pt: 'Músculos: dorsais, bíceps e parte média das costas. Dicas: comece pendurado com os braços estendidos; puxe as escápulas para baixo antes de dobrar os cotovelos; leve o peito em direção à barra; desça controlando. Para evoluir: barra com elástico, graviton ou negativas (só a descida, 3–5 s). Erros comuns: balançar o corpo, meia amplitude, ombros subindo para as orelhas.',
      en: 'Muscles: lats, biceps and mid back. Cues: start from a dead hang; pull the shoulder blades down before bending the elbows; bring the chest towards the bar; lower under control. To progress: band-assisted pull-ups, the assisted machine or negatives (3–5 s lowering). Common mistakes: swinging, half reps, shrugging the shoulders up.',
    },
  },
  {
    id: 'ex.bent_over_row',
    kind: 'exercise',
    exercise: 'bent_over_row',
    trains: ['back', 'arms'],
    title: { pt: 'Remada curvada', en: 'Bent-over row' },
    keywords: 'remada curvada row costas back dorsal halter dumbbell',
    text: {
      pt: 'Músculos: dorsais, romboides, trapézio médio e bíceps. Dicas: incline o tronco a uns 45° com a coluna neutra e joelhos levemente flexionados; puxe a barra ou o halter em direção ao umbigo, levando os cotovelos para trás; segure 1 s e desça controlando. Erros comuns: arredondar as costas, usar impulso do tronco, puxar só com os braços.',
      en: 'Muscles: lats, rhomboids, mid traps and biceps. Cues: hinge to about 45° with a neutral spine and soft knees; pull the bar or dumbbell towards the belly button, driving the elbows back; pause 1 s and lower under control. Common mistakes: rounding the back, jerking with the torso, pulling with the arms only.',
    },
  },
  {
    id: 'ex.lunge',
    kind: 'exercise',
    exercise: 'lunge',
    trains: ['legs', 'glutes'],
    title: { pt: 'Afundo / passada', en: 'Lunge' },
    keywords: 'afundo passada lunge perna gluteo joelho',
    text: {
      pt: 'Músculos: quadríceps, glúteos e posteriores. Dicas: passo largo o bastante para os dois joelhos formarem 90° embaixo; tronco ereto; joelho da frente alinhado com o pé; suba empurrando com o calcanhar da frente. Erros comuns: passo curto demais (joelho muito à frente), joelho caindo para dentro, perder o equilíbrio por pés na mesma linha.',
      en: 'Muscles: quads, glutes and hamstrings. Cues: a step long enough for both knees to reach about 90° at the bottom; torso upright; front knee in line with the foot; drive up through the front heel. Common mistakes: too short a step, knee caving in, feet on one line so you lose balance.',
    },
  },
  {
    id: 'ex.shoulder_press',
    kind: 'exercise',
    exercise: 'shoulder_press',
    trains: ['shoulder', 'arms'],
    title: { pt: 'Desenvolvimento', en: 'Shoulder press' },
    keywords: 'desenvolvimento ombro shoulder press overhead militar deltoide',
    text: {
      pt: 'Músculos: deltoides, tríceps e trapézio superior. Dicas: abdômen e glúteos contraídos; comece com os pesos na altura do queixo; empurre para cima e levemente para trás até estender os braços, sem travar os cotovelos com força; desça controlando. Erros comuns: arquear a lombar, descer pouco, usar carga que exige impulso das pernas.',
      en: 'Muscles: delts, triceps and upper traps. Cues: brace abs and glutes; start with the weights at chin height; press up and slightly back until the arms are straight, without slamming the elbows; lower under control. Common mistakes: arching the lower back, short range, a load that needs a leg drive.',
    },
  },
  {
    id: 'ex.hip_thrust',
    kind: 'exercise',
    exercise: 'hip_thrust',
    trains: ['glutes', 'legs'],
    title: { pt: 'Elevação pélvica', en: 'Hip thrust' },
    keywords: 'elevacao pelvica hip thrust gluteo glute bridge ponte bumbum',
    text: {
      pt: 'Músculos: glúteos (principal) e posteriores. Dicas: parte alta das costas apoiada no banco, pés na largura do quadril; queixo levemente recolhido; suba o quadril até o tronco ficar paralelo ao chão e aperte os glúteos 1 s no topo. Erros comuns: hiperestender a lombar no topo, pés longe demais (vira posterior), subir sem controle.',
      en: 'Muscles: glutes (mainly) and hamstrings. Cues: upper back on the bench, feet hip-width; chin slightly tucked; drive the hips up until the torso is parallel to the floor and squeeze 1 s at the top. Common mistakes: arching the lower back at the top, feet too far out, rushing the reps.',
    },
  },
  {
    id: 'ex.biceps_curl',
    kind: 'exercise',
    exercise: 'biceps_curl',
    trains: ['arms'],
    title: { pt: 'Rosca bíceps', en: 'Biceps curl' },
    keywords: 'rosca direta biceps curl braco arm',
    text: {
      pt: 'Músculos: bíceps e braquial. Dicas: cotovelos junto ao corpo e parados; suba sem balançar o tronco; desça em 2–3 s até quase estender. Erros comuns: usar impulso das costas, cotovelos indo para a frente, meia amplitude.',
      en: 'Muscles: biceps and brachialis. Cues: elbows by your sides and still; curl up without swinging; lower in 2–3 s to almost straight. Common mistakes: swinging the back, elbows drifting forward, half reps.',
    },
  },
  {
    id: 'ex.burpee',
    kind: 'exercise',
    exercise: 'burpee',
    trains: ['legs', 'chest', 'abs'],
    title: { pt: 'Burpee', en: 'Burpee' },
    keywords: 'burpee hiit cardio corpo inteiro',
    text: {
      pt: 'Corpo inteiro e condicionamento. Sequência: agache, apoie as mãos, leve os pés para trás em prancha, (opcional: flexão), traga os pés de volta e salte com os braços para cima. Erros comuns: quadril caindo na prancha, aterrissar com joelhos rígidos, perder a forma por pressa. Para facilitar, dê passos em vez de saltar.',
      en: 'Full body and conditioning. Sequence: squat, hands down, step or jump the feet back into a plank, (optional push-up), bring the feet back in and jump with arms up. Common mistakes: sagging hips in the plank, landing stiff-kneed, losing form to rush. To make it easier, step instead of jumping.',
    },
  },
  {
    id: 'ex.training_basics',
    kind: 'exercise',
    trains: [],
    title: { pt: 'Séries, repetições e descanso', en: 'Sets, reps and rest' },
    keywords:
      'series repeticoes descanso sets reps rest hipertrofia forca aquecimento warm up respiracao breathe alongamento stretch',
    text: {
      pt: 'Orientação geral: força 3–5 séries de 3–6 repetições com 2–3 min de descanso; hipertrofia 3–4 séries de 6–12 com 60–90 s; resistência 2–3 séries de 15–20 com 30–60 s. Aqueça 5–10 min e faça 1–2 séries leves do primeiro exercício. Respire: solte o ar no esforço, puxe na volta; em cargas altas, inspire e trave o abdômen antes de cada repetição. Alongamento estático longo fica melhor depois do treino.',
      en: 'General guidance: strength 3–5 sets of 3–6 reps with 2–3 min rest; hypertrophy 3–4 sets of 6–12 with 60–90 s; endurance 2–3 sets of 15–20 with 30–60 s. Warm up 5–10 min plus 1–2 light sets of the first exercise. Breathe out on the effort, in on the way back; for heavy sets, breathe in and brace before each rep. Long static stretching fits best after training.',
    },
  },
  {
    id: 'nu.pre_workout',
    kind: 'nutrition',
    title: { pt: 'O que comer antes do treino', en: 'What to eat before training' },
    keywords:
      'antes pre treino pre workout comer eat lanche snack carboidrato banana cafe coffee jejum fasted energia',
    text: {
      pt: '1–3 h antes: uma refeição com carboidrato e um pouco de proteína (ex.: pão com ovo, iogurte com fruta, arroz e frango). Até 1 h antes: algo leve e fácil de digerir, como banana ou torrada. Café pode ajudar a disposição, se você tolera. Treinar em jejum é possível para treinos leves, mas pode render menos em treinos intensos; se sentir tontura, coma antes.',
      en: '1–3 h before: a meal with carbs and some protein (e.g. eggs on toast, yoghurt with fruit, rice and chicken). Within 1 h: something light and easy to digest, like a banana or toast. Coffee can help if you tolerate it. Training fasted is fine for light sessions but may cost performance in hard ones; if you feel dizzy, eat first.',
    },
  },
  {
    id: 'nu.post_workout',
    kind: 'nutrition',
    title: { pt: 'O que comer depois do treino', en: 'What to eat after training' },
    keywords: 'depois pos treino post workout recuperacao recovery proteina protein refeicao meal',
    text: {
      pt: 'Nas horas seguintes ao treino, faça uma refeição com proteína (ovos, carne, frango, peixe, leguminosas, laticínios) e carboidrato (arroz, batata, frutas, pães) para recuperar. Não existe "janela" de minutos: o total do dia importa mais. Beba água para repor o que suou.',
      en: 'In the hours after training, have a meal with protein (eggs, meat, chicken, fish, legumes, dairy) and carbs (rice, potatoes, fruit, bread) to recover. There is no minutes-long "window": the day\'s total matters more. Drink water to replace what you sweated.',
    },
  },
  {
    id: 'nu.hydration',
    kind: 'nutrition',
    title: { pt: 'Hidratação', en: 'Hydration' },
    keywords: 'agua water hidratacao hydration beber drink litros isotonico electrolytes suor sweat spinning',
    text: {
      pt: 'Uma referência comum é cerca de 35 ml por kg de peso por dia, mais o que perder suando. Beba um copo de água 1–2 h antes do treino e goles a cada 15–20 min durante. Em aulas longas e intensas (spinning, HIIT) ou em dias quentes, acima de 1 h, uma bebida com eletrólitos pode ajudar. Urina clara é um bom sinal.',
      en: 'A common reference is about 35 ml per kg of body weight per day, plus what you sweat. Drink a glass 1–2 h before training and sips every 15–20 min during. For long, hard classes (spinning, HIIT) or hot days over 1 h, an electrolyte drink can help. Pale urine is a good sign.',
    },
  },
  {
    id: 'nu.protein',
    kind: 'nutrition',
    title: { pt: 'Proteína e whey', en: 'Protein and whey' },
    keywords: 'proteina protein whey quanto how much gramas massa muscle ganhar',
    text: {
      pt: 'Para quem treina, uma faixa usual é 1,6 a 2,2 g de proteína por kg de peso por dia, dividida em 3–5 refeições. O whey é só um alimento prático; se a dieta já atinge a meta, ele não é necessário. Fontes: ovos, carnes, peixes, laticínios, feijão, lentilha, tofu.',
      en: 'For people who train, a usual range is 1.6 to 2.2 g of protein per kg of body weight per day, spread over 3–5 meals. Whey is just convenient food; if your diet already reaches the target, you do not need it. Sources: eggs, meat, fish, dairy, beans, lentils, tofu.',
    },
  },
  {
    id: 'nu.creatine',
    kind: 'nutrition',
    title: { pt: 'Creatina e suplementos', en: 'Creatine and supplements' },
    keywords: 'creatina creatine suplemento supplement pre treino bcaa cafeina caffeine energetico',
    text: {
      pt: 'A creatina monoidratada é um dos suplementos mais estudados: cerca de 3–5 g por dia, todo dia, ajuda força e desempenho em esforços curtos. Pré-treinos costumam ser basicamente cafeína. Para pessoas saudáveis são considerados seguros em doses usuais; com qualquer condição de saúde, fale antes com um médico ou nutricionista.',
      en: 'Creatine monohydrate is one of the most studied supplements: about 3–5 g a day, every day, helps strength and short high-effort performance. Pre-workouts are mostly caffeine. For healthy people these are considered safe at usual doses; with any health condition, ask a doctor or dietitian first.',
    },
  },
  {
    id: 'nu.energy_balance',
    kind: 'nutrition',
    title: { pt: 'Calorias: emagrecer e ganhar massa', en: 'Calories: losing fat and gaining muscle' },
    keywords:
      'calorias calories emagrecer perder peso lose weight deficit superavit surplus dieta diet carboidrato noite engorda',
    text: {
      pt: 'Emagrecer depende de um déficit calórico moderado (cerca de 300–500 kcal por dia abaixo do gasto), com proteína alta e treino de força para preservar músculo. Ganhar massa pede um pequeno superávit (200–300 kcal). Nenhum alimento ou horário "engorda" sozinho: o total do dia é o que conta. Para um plano individual, procure um nutricionista.',
      en: 'Losing fat comes from a moderate calorie deficit (about 300–500 kcal a day below what you burn), with high protein and strength training to keep muscle. Gaining muscle needs a small surplus (200–300 kcal). No single food or time of day "makes you fat": the daily total is what counts. For an individual plan, see a dietitian.',
    },
  },
  {
    id: 'faq.towel',
    kind: 'faq',
    title: { pt: 'Toalha e roupa', en: 'Towel and clothing' },
    keywords: 'toalha towel roupa clothes dress code tenis sneakers chinelo flip flops sapato',
    text: {
      pt: 'Use toalha individual nos aparelhos, roupa de treino e tênis fechado. Chinelo, sandália ou treinar descalço não são permitidos na área de musculação (exceto em aulas como yoga e pilates).',
      en: 'Use your own towel on the machines, training clothes and closed trainers. Flip-flops, sandals or bare feet are not allowed on the weights floor (except in classes such as yoga and pilates).',
    },
  },
  {
    id: 'faq.guest',
    kind: 'faq',
    title: { pt: 'Convidados', en: 'Guests' },
    keywords: 'convidado guest amigo friend acompanhante levar bring visitante',
    text: {
      pt: 'Convidados podem fazer uma aula experimental gratuita por pessoa, com cadastro e documento na recepção. Menores de 16 anos só com um responsável.',
      en: 'Guests get one free trial session per person, registering with an ID at the front desk. Under-16s only with a guardian.',
    },
  },
  {
    id: 'faq.lockers',
    kind: 'faq',
    title: { pt: 'Armários e vestiários', en: 'Lockers and changing rooms' },
    keywords: 'armario locker cadeado lock vestiario changing room chuveiro shower pernoite overnight',
    text: {
      pt: 'Os armários são de uso diário: traga seu cadeado e esvazie ao sair. Armários ocupados depois do fechamento são abertos pela equipe e os objetos ficam na recepção. Os vestiários têm chuveiros.',
      en: 'Lockers are for daily use: bring your own padlock and empty it when you leave. Lockers still locked at closing are opened by staff and items are kept at the front desk. Changing rooms have showers.',
    },
  },
  {
    id: 'faq.class_cancellation',
    kind: 'faq',
    title: { pt: 'Reservas e cancelamento de aulas', en: 'Class bookings and cancellations' },
    keywords:
      'cancelamento cancellation cancelar aula class falta no show multa penalty antecedencia lista de espera waitlist reserva',
    text: {
      pt: 'Reserve pelo totem, pela recepção ou por aqui. Cancele com antecedência para liberar a vaga: quem está na lista de espera é chamado na ordem. Faltas repetidas sem cancelar podem bloquear novas reservas por alguns dias.',
      en: 'Book at the kiosk, the front desk or here. Cancel early so the place frees up: people on the waitlist are called in order. Repeated no-shows without cancelling may block new bookings for a few days.',
    },
  },
  {
    id: 'faq.freeze',
    kind: 'faq',
    title: { pt: 'Congelar, trancar ou cancelar o plano', en: 'Freezing, pausing or cancelling a plan' },
    keywords: 'congelar trancar freeze pause ferias vacation cancelar matricula cancel membership plano',
    text: {
      pt: 'Planos trimestrais, semestrais e anuais podem ser congelados (por viagem, férias ou saúde) na recepção. Cancelamentos e trocas de plano também são feitos na recepção, com um documento.',
      en: 'Quarterly, semiannual and annual plans can be frozen (travel, holidays or health) at the front desk. Cancellations and plan changes are also done at the front desk, with an ID.',
    },
  },
  {
    id: 'faq.conduct',
    kind: 'faq',
    title: { pt: 'Regras de convivência', en: 'House rules' },
    keywords:
      'regras rules regulamento convivencia guardar pesos put weights back limpar clean filmar film celular idade minima minimum age criancas kids',
    text: {
      pt: 'Guarde pesos e anilhas depois de usar, limpe o aparelho com o borrifador, reveze aparelhos nos horários cheios e filme apenas a si mesmo. A idade mínima para musculação é 14 anos, com autorização dos responsáveis até 18.',
      en: "Put weights and plates back after use, wipe the machine with the spray, share equipment at busy times and film only yourself. The minimum age for the weights floor is 14, with a guardian's consent until 18.",
    },
  },
  {
    id: 'faq.parking',
    kind: 'faq',
    title: { pt: 'Estacionamento e Wi-Fi', en: 'Parking and Wi-Fi' },
    keywords: 'estacionamento parking carro car bicicletario bike wifi internet senha password',
    text: {
      pt: 'Estacionamento e bicicletário dependem da unidade: pergunte na recepção. O Wi-Fi para alunos tem a senha afixada na recepção.',
      en: "Parking and bike racks depend on the unit: ask at the front desk. The members' Wi-Fi password is posted at the front desk.",
    },
  },
];
