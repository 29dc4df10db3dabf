import MiniSearch from 'minisearch';
import { KNOWLEDGE, type KnowledgeEntry } from './knowledge.ts';
import { fold } from './normalize.ts';

const STOP = new Set(
  'a o as os e de do da dos das em no na nos nas um uma para pra por com como que qual quais eu me meu minha the a an of to in on for with how what which is are do does i my me can should'.split(
    ' ',
  ),
);

/** One retrieved entry and its BM25-style score. */
export interface Hit {
  readonly entry: KnowledgeEntry;
  readonly score: number;
}

/** Full-text retrieval (MiniSearch: BM25 with prefix and fuzzy matching) over the knowledge base. */
export class KnowledgeIndex {
  readonly #search: MiniSearch<{ id: string; title: string; keywords: string; text: string; kind: string }>;
  readonly #byId = new Map<string, KnowledgeEntry>();

  constructor(entries: readonly KnowledgeEntry[] = KNOWLEDGE) {
    this.#search = new MiniSearch({
      fields: ['title', 'keywords', 'text'],
      storeFields: ['kind'],
      processTerm: (term) => {
        const folded = fold(term);
        return folded.length < 2 || STOP.has(folded) ? null : folded;
      },
      searchOptions: {
        boost: { title: 3, keywords: 2 },
        prefix: (term) => term.length >= 4,
        fuzzy: (term) => (term.length >= 5 ? 0.2 : false),
      },
    });
    this.#search.addAll(
      entries.map((entry) => {
        this.#byId.set(entry.id, entry);
        return {
          id: entry.id,
          kind: entry.kind,
          title: `${entry.title.pt} ${entry.title.en}`,
          keywords: entry.keywords,
          text: `${entry.text.pt} ${entry.text.en}`,
        };
      }),
    );
  }

  /** Best entries for a query, optionally only of some kinds. */
  search(query: string, kinds?: readonly KnowledgeEntry['kind'][], limit = 3): Hit[] {
    const hits = this.#search.search(query, {
      ...(kinds === undefined
        ? {}
        : { filter: (result) => kinds.includes(result.kind as KnowledgeEntry['kind']) }),
    });
    const out: Hit[] = [];
    for (const hit of hits.slice(0, limit)) {
      const entry = this.#byId.get(String(hit.id));
      if (entry !== undefined) out.push({ entry, score: hit.score });
    }
    return out;
  }

  get(id: string): KnowledgeEntry | undefined {
    return this.#byId.get(id);
  }

  /** The exercise entry of a canonical exercise id. */
  exercise(exercise: string): KnowledgeEntry | undefined {
    for (const entry of this.#byId.values()) if (entry.exercise === exercise) return entry;
    return undefined;
  }

  /** Exercise entries that train a body part. */
  training(bodyPart: string): KnowledgeEntry[] {
    return [...this.#byId.values()].filter((entry) => entry.trains?.includes(bodyPart));
  }
}
