import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { HealthReport } from '../health.ts';

export interface HomeDeps {
  readonly health: () => HealthReport;
  /** The unit's display name, when its unit document exists. */
  readonly unitName: () => string | undefined;
}

type Lang = 'pt-BR' | 'en';

const TEXT = {
  'pt-BR': {
    title: 'Unidade',
    ok: 'Funcionando',
    degraded: 'Precisa de atenção',
    storage: 'Armazenamento local',
    documents: 'documentos',
    quarantined: 'alterações em quarentena',
    size: 'no disco',
    sync: 'Sincronização com a matriz',
    syncStates: {
      not_configured: 'ainda não configurada',
      connected: 'conectada',
      disconnected: 'sem conexão (os dados ficam guardados aqui)',
    },
    pending: 'alterações aguardando envio',
    version: 'Versão',
    uptime: 'No ar há',
    links: 'Para quem integra e opera',
    docs: 'Documentação da API (OpenAPI)',
    health: 'Saúde (JSON)',
    metrics: 'Métricas (Prometheus)',
    note: 'Esta unidade funciona sem internet: tudo é gravado primeiro aqui. As telas de recepção, console da equipe e câmeras chegam nas próximas entregas; hoje a unidade serve a API.',
    other: 'English',
  },
  en: {
    title: 'Unit',
    ok: 'Running',
    degraded: 'Needs attention',
    storage: 'Local storage',
    documents: 'documents',
    quarantined: 'changes in quarantine',
    size: 'on disk',
    sync: 'Sync with HQ',
    syncStates: {
      not_configured: 'not configured yet',
      connected: 'connected',
      disconnected: 'offline (data is kept here)',
    },
    pending: 'changes waiting to be sent',
    version: 'Version',
    uptime: 'Up for',
    links: 'For integrators and operators',
    docs: 'API documentation (OpenAPI)',
    health: 'Health (JSON)',
    metrics: 'Metrics (Prometheus)',
    note: 'This unit works without internet: everything is written here first. The front-desk, staff console and camera screens arrive in the next releases; today the unit serves the API.',
    other: 'Português',
  },
} as const;

/** A language this page has: from `?lang=` when it names one (en, en-GB, pt, pt-PT…), else from the browser, else pt-BR. */
function pickLang(query: string | undefined, acceptLanguage: string | undefined): Lang {
  const asked = (query ?? '').trim().toLowerCase();
  if (/^en\b/.test(asked)) return 'en';
  if (/^pt\b/.test(asked)) return 'pt-BR';
  // Another language (?lang=de) falls back to the browser's first language we have, then pt-BR.
  for (const part of (acceptLanguage ?? '').split(',')) {
    const tag = part.trim().toLowerCase();
    if (/^en\b/.test(tag)) return 'en';
    if (/^pt\b/.test(tag)) return 'pt-BR';
  }
  return 'pt-BR';
}

function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function duration(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  return h > 0 ? `${h} h ${m} min` : m > 0 ? `${m} min` : `${seconds} s`;
}

/** `/`: a page a person can read, saying what this unit is and whether it is well (pt-BR or en). */
export function homeRoutes(deps: HomeDeps): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/',
      {
        config: { public: true },
        schema: {
          tags: ['system'],
          summary: 'Status page of this unit (HTML, pt-BR or en)',
          description: 'Any other ?lang= (de, fr…) falls back to the browser language we have, then pt-BR.',
          querystring: z.object({ lang: z.string().max(64).optional().describe('pt-BR (default) or en') }),
          response: { 200: { description: 'HTML page', content: { 'text/html': { schema: z.string() } } } },
        },
      },
      async (request, reply) => {
        const lang = pickLang(request.query.lang, request.headers['accept-language']);
        const t = TEXT[lang];
        const h = deps.health();
        const name = deps.unitName() ?? h.unitId;
        const nf = new Intl.NumberFormat(lang);
        const mb = `${nf.format(Math.round(h.storage.sizeBytes / 1024 / 1024))} MB`;
        const ok = h.status === 'ok';
        const html = `<!doctype html>
<html lang="${lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>GymEdge · ${escapeHtml(name)}</title>
<style>
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;background:#f4f6f8;color:#1d2733}
header{background:#12343b;color:#fff;padding:20px 32px;display:flex;justify-content:space-between;align-items:center}
header h1{margin:0;font-size:24px}header small{opacity:.8;font-size:14px}header a{color:#cde7ea}
main{max-width:960px;margin:24px auto;padding:0 24px;display:grid;grid-template-columns:repeat(auto-fit,minmax(280px,1fr));gap:16px}
section{background:#fff;border-radius:10px;padding:18px 20px;box-shadow:0 1px 3px rgba(0,0,0,.08)}
h2{font-size:14px;text-transform:uppercase;letter-spacing:.04em;color:#5b6b7a;margin:0 0 10px}
.big{font-size:28px;font-weight:600}.ok{color:#1a7f37}.bad{color:#b42318}
.dot{display:inline-block;width:12px;height:12px;border-radius:50%;margin-right:8px;vertical-align:middle}
ul{margin:0;padding-left:18px;line-height:1.8}p.note{grid-column:1/-1;color:#5b6b7a;margin:0}
</style></head><body>
<header><div><h1>GymEdge · ${escapeHtml(name)}</h1><small>${t.title} ${escapeHtml(h.unitId)} · ${t.version} ${escapeHtml(h.version)} · ${t.uptime} ${duration(h.uptimeSeconds)}</small></div>
<a href="?lang=${lang === 'en' ? 'pt-BR' : 'en'}">${t.other}</a></header>
<main>
<section><h2>Status</h2><div class="big ${ok ? 'ok' : 'bad'}"><span class="dot" style="background:${ok ? '#1a7f37' : '#b42318'}"></span>${ok ? t.ok : t.degraded}</div>
${(h.reasons ?? []).map((r) => `<p>${escapeHtml(r)}</p>`).join('')}</section>
<section><h2>${t.storage}</h2><div class="big">${nf.format(h.storage.documents)}</div>${t.documents} · ${mb} ${t.size}<br>
<span class="${h.storage.quarantined > 0 ? 'bad' : ''}">${nf.format(h.storage.quarantined)} ${t.quarantined}</span></section>
<section><h2>${t.sync}</h2><div class="big">${t.syncStates[h.sync.state]}</div>${nf.format(h.sync.pendingChanges)} ${t.pending}</section>
<section><h2>${t.links}</h2><ul><li><a href="/api/docs">${t.docs}</a></li><li><a href="/health">${t.health}</a></li><li><a href="/metrics">${t.metrics}</a></li></ul></section>
<p class="note">${t.note}</p>
</main></body></html>`;
        return reply
          .header('content-type', 'text/html; charset=utf-8')
          .header(
            'content-security-policy',
            "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
          )
          .send(html);
      },
    );
  };
}
