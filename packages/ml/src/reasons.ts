/**
 * Plain-language reasons: the three features that push a customer's churn risk up the most (largest
 * positive SHAP values), each said in pt-BR and English with the retention action it calls for.
 */
import type { Explanation } from './shap.ts';

export interface Reason {
  feature: string;
  /** SHAP value in log-odds (how much it raises the risk). */
  impact: number;
  pt: string;
  en: string;
  actionPt: string;
  actionEn: string;
}

type Say = (v: number, row: ReadonlyMap<string, number>) => [string, string];

interface Template {
  say: Say;
  action: [string, string];
}

const n0 = (v: number) => String(Math.round(v));
const n1 = (v: number) => (Math.round(v * 10) / 10).toString();
const pct = (v: number) => `${Math.round(Math.abs(v) * 100)}%`;
const money = (v: number) => `R$ ${v.toFixed(2).replace('.', ',')}`;

const CALL_CLASS: [string, string] = [
  'ligar e oferecer uma aula experimental',
  'call and offer a trial class',
];
const ONBOARD: [string, string] = [
  'agendar avaliação e plano de treino com um instrutor',
  'book an assessment and a training plan with an instructor',
];
const UPGRADE: [string, string] = [
  'oferecer plano semestral/anual com desconto',
  'offer a 6- or 12-month plan at a discount',
];
const RENEW: [string, string] = [
  'propor a renovação antes do fim do contrato',
  'offer a renewal before the contract ends',
];
const PAYMENT: [string, string] = [
  'oferecer débito automático ou renegociar o vencimento',
  'offer automatic debit or a new due date',
];
const GROUP: [string, string] = [
  'convidar para uma aula coletiva com amigos',
  'invite to a group class with friends',
];
const VALUE: [string, string] = [
  'apresentar serviços extras (avaliação, personal) com um cupom',
  'present extras (assessment, personal training) with a coupon',
];
const CHECK: [string, string] = [
  'conversar na recepção sobre a experiência',
  'talk at the front desk about their experience',
];

const TEMPLATES: Record<string, Template> = {
  recency_days: {
    say: (v) => [`sem atividade há ${n0(v)} dias`, `no activity for ${n0(v)} days`],
    action: CALL_CLASS,
  },
  activity_change: {
    say: (v) =>
      v < 0
        ? [
            `frequência caiu ${pct(Math.max(-1, v))} nas últimas 4 semanas`,
            `attendance fell ${pct(Math.max(-1, v))} in the last 4 weeks`,
          ]
        : ['frequência recente abaixo do esperado', 'recent attendance below what is expected'],
    action: CALL_CLASS,
  },
  activity_30d: {
    say: (v) => [
      `só ${n0(v)} atividades nos últimos 30 dias`,
      `only ${n0(v)} activities in the last 30 days`,
    ],
    action: CALL_CLASS,
  },
  visits_30d: {
    say: (v) => [`só ${n0(v)} visitas nos últimos 30 dias`, `only ${n0(v)} visits in the last 30 days`],
    action: CALL_CLASS,
  },
  activity_90d: {
    say: (v) => [`só ${n0(v)} atividades em 90 dias`, `only ${n0(v)} activities in 90 days`],
    action: CALL_CLASS,
  },
  activity_total: {
    say: (v) => [`pouco histórico (${n0(v)} atividades)`, `little history (${n0(v)} activities)`],
    action: ONBOARD,
  },
  activity_prev_60d_per_30d: {
    say: () => ['ritmo de frequência em queda', 'attendance rhythm slowing'],
    action: CALL_CLASS,
  },
  recency_over_gap: {
    say: (v) => [
      `ausência ${n1(v)}× maior que o intervalo habitual`,
      `away ${n1(v)}× longer than their usual gap`,
    ],
    action: CALL_CLASS,
  },
  mean_gap_days: {
    say: (v) => [`intervalo médio de ${n0(v)} dias entre visitas`, `${n0(v)} days between visits on average`],
    action: CALL_CLASS,
  },
  max_gap_days: {
    say: (v) => [`já ficou ${n0(v)} dias sem vir`, `once stayed away ${n0(v)} days`],
    action: CALL_CLASS,
  },
  tenure_days: {
    say: (v) => [`membro há apenas ${n0(v / 30)} meses`, `a member for only ${n0(v / 30)} months`],
    action: ONBOARD,
  },
  monetary_total: {
    say: (v) => [`gasto total baixo (${money(v)})`, `low total spend (${money(v)})`],
    action: VALUE,
  },
  monetary_90d: {
    say: (v) => [`gastou ${money(v)} em 90 dias`, `spent ${money(v)} in 90 days`],
    action: VALUE,
  },
  avg_ticket: { say: (v) => [`tíquete médio de ${money(v)}`, `average ticket ${money(v)}`], action: VALUE },
  returns_count: {
    say: (v) => [`${n0(v)} devoluções/estornos`, `${n0(v)} returns or refunds`],
    action: CHECK,
  },
  payment_delay_avg_days: {
    say: (v) => [`paga em média ${n0(v)} dias atrasado`, `pays ${n0(v)} days late on average`],
    action: PAYMENT,
  },
  late_payments_180d: {
    say: (v) => [`${n0(v)} pagamentos atrasados em 6 meses`, `${n0(v)} late payments in 6 months`],
    action: PAYMENT,
  },
  group_class_share: {
    say: () => ['quase não participa de aulas coletivas', 'rarely joins group classes'],
    action: GROUP,
  },
  distinct_services: {
    say: () => ['usa poucos serviços da academia', 'uses few of the gym’s services'],
    action: VALUE,
  },
  contract_months: {
    say: (v) => [
      `contrato curto (${n0(v)} ${v === 1 ? 'mês' : 'meses'})`,
      `short contract (${n0(v)} month${v === 1 ? '' : 's'})`,
    ],
    action: UPGRADE,
  },
  // The real gym churn table (Model Fitness).
  Contract_period: {
    say: (v) => [
      `contrato curto (${n0(v)} ${v === 1 ? 'mês' : 'meses'})`,
      `short contract (${n0(v)} month${v === 1 ? '' : 's'})`,
    ],
    action: UPGRADE,
  },
  Month_to_end_contract: {
    say: (v) => [
      `contrato termina em ${n0(v)} ${v === 1 ? 'mês' : 'meses'}`,
      `contract ends in ${n0(v)} month${v === 1 ? '' : 's'}`,
    ],
    action: RENEW,
  },
  Lifetime: {
    say: (v) => [
      `membro há apenas ${n0(v)} ${v === 1 ? 'mês' : 'meses'}`,
      `a member for only ${n0(v)} month${v === 1 ? '' : 's'}`,
    ],
    action: ONBOARD,
  },
  Avg_class_frequency_current_month: {
    say: (v, row) => {
      const before = row.get('Avg_class_frequency_total');
      if (before !== undefined && before > 0 && v < before) {
        const drop = 1 - v / before;
        return [
          `frequência caiu ${pct(drop)} neste mês (${n1(v)}/semana)`,
          `attendance fell ${pct(drop)} this month (${n1(v)}/week)`,
        ];
      }
      return [`só ${n1(v)} visitas por semana neste mês`, `only ${n1(v)} visits a week this month`];
    },
    action: CALL_CLASS,
  },
  Avg_class_frequency_total: {
    say: (v) => [`média de ${n1(v)} visitas por semana`, `${n1(v)} visits a week on average`],
    action: CALL_CLASS,
  },
  Age: {
    say: (v) => [`faixa etária com mais saídas (${n0(v)} anos)`, `an age group that leaves more (${n0(v)})`],
    action: GROUP,
  },
  Group_visits: { say: () => ['não faz aulas em grupo', 'takes no group classes'], action: GROUP },
  Promo_friends: {
    say: () => ['não veio indicado por amigos', 'did not come through a friend'],
    action: GROUP,
  },
  Partner: { say: () => ['sem convênio com empresa parceira', 'no employer partnership'], action: UPGRADE },
  Near_Location: {
    say: () => ['mora ou trabalha longe da unidade', 'lives or works far from the unit'],
    action: CHECK,
  },
  Avg_additional_charges_total: {
    say: (v) => [`gasta pouco com extras (${money(v)})`, `spends little on extras (${money(v)})`],
    action: VALUE,
  },
  age: {
    say: (v) => [`faixa etária com mais saídas (${n0(v)} anos)`, `an age group that leaves more (${n0(v)})`],
    action: GROUP,
  },
};

function generic(feature: string, v: number): Template {
  if (feature.startsWith('region=')) {
    const r = feature.slice(7);
    return { say: () => [`região ${r} tem mais cancelamentos`, `region ${r} cancels more`], action: CHECK };
  }
  if (feature.startsWith('plan=')) {
    const p = feature.slice(5);
    return { say: () => [`plano ${p} tem mais cancelamentos`, `plan ${p} cancels more`], action: UPGRADE };
  }
  return {
    say: () => [`${feature} = ${n1(v)} eleva o risco`, `${feature} = ${n1(v)} raises the risk`],
    action: CHECK,
  };
}

/** The top `count` reasons (positive SHAP only; fewer when fewer features raise the risk). */
export function topReasons(
  names: readonly string[],
  x: ArrayLike<number>,
  expl: Explanation,
  count = 3,
  offset = 0,
): Reason[] {
  const row = new Map<string, number>();
  names.forEach((name, j) => {
    row.set(name, x[offset + j] as number);
  });
  const order = names
    .map((_, j) => j)
    .filter((j) => (expl.values[j] ?? 0) > 1e-9)
    .sort((a, b) => (expl.values[b] as number) - (expl.values[a] as number));
  const out: Reason[] = [];
  const seenActions = new Set<string>();
  for (const j of order) {
    if (out.length >= count) break;
    const name = names[j] as string;
    const v = x[offset + j] as number;
    // One-hot columns raise risk when they are 0 too (e.g. "not Zona Sul"); only say what is true.
    if ((name.startsWith('region=') || name.startsWith('plan=') || name.startsWith('gender=')) && v === 0)
      continue;
    if (name.startsWith('gender=') || name === 'gender' || name === 'age_missing' || name === 'Phone')
      continue;
    const t = TEMPLATES[name] ?? generic(name, v);
    const [pt, en] = t.say(v, row);
    out.push({
      feature: name,
      impact: expl.values[j] as number,
      pt,
      en,
      actionPt: t.action[0],
      actionEn: t.action[1],
    });
    seenActions.add(t.action[1]);
  }
  return out;
}
