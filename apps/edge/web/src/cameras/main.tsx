// The camera monitor (/cameras): live frames with overlays, occupancy per zone, recent alerts, and a
// zone/line editor drawn on the frame. Frames come from the unit itself (the API refuses other networks).
import '@gymedge/ui/styles.css';
import './cameras.css';
import {
  Button,
  createI18n,
  createSession,
  Field,
  mountScreen,
  Layout as Page,
  ProblemBanner,
  type Session,
  useAsync,
} from '@gymedge/ui';
import { type FormEvent, useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { en } from './locales/en.ts';
import { ptBR } from './locales/pt-BR.ts';
import {
  Alerts,
  type CameraStatus,
  drawOverlay,
  EXERCISES,
  type ExerciseName,
  Layout,
  MultipartReader,
  Overlay,
  VisionStatus,
  type ZoneKind,
  zoneColour,
} from './model.ts';

const i18n = createI18n({ namespace: 'cameras', resources: { 'pt-BR': ptBR, en } });
const session = createSession({ storageKey: 'gymedge.session.cameras' });

/**
 * One camera's live frames: a multipart MJPEG stream (each part a JPEG with its overlay header) read with
 * fetch, so it carries the session's token. The unit sends the newest frame when this page is slow; a
 * lost stream is reopened after a second.
 */
function useFrames(
  session: Session,
  cameraId: string,
): { bitmap?: ImageBitmap; overlay?: Overlay; lost: boolean } {
  const [state, setState] = useState<{ bitmap?: ImageBitmap; overlay?: Overlay; lost: boolean }>({
    lost: false,
  });
  useEffect(() => {
    let stopped = false;
    let controller: AbortController | undefined;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let decoding = false;
    const open = async () => {
      controller = new AbortController();
      try {
        const token = session.current()?.token;
        const response = await fetch(`/api/v1/vision/cameras/${encodeURIComponent(cameraId)}/stream`, {
          headers: token ? { authorization: `Bearer ${token}` } : {},
          cache: 'no-store',
          signal: controller.signal,
        });
        if (!response.ok || response.body === null) throw new Error(`stream ${response.status}`);
        const reader = response.body.getReader();
        const parts = new MultipartReader();
        for (;;) {
          const { value, done } = await reader.read();
          if (done || stopped) break;
          const latest = parts.push(value).at(-1);
          // Decode only the newest part, and one at a time: a slow page skips frames instead of queueing.
          if (latest === undefined || decoding) continue;
          decoding = true;
          const parsed = latest.overlay ? Overlay.safeParse(JSON.parse(latest.overlay)) : undefined;
          createImageBitmap(new Blob([latest.jpeg], { type: 'image/jpeg' }))
            .then((bitmap) => {
              if (!stopped)
                setState({ bitmap, lost: false, ...(parsed?.success ? { overlay: parsed.data } : {}) });
            })
            .catch(() => undefined)
            .finally(() => {
              decoding = false;
            });
        }
      } catch {
        // the unit may be restarting, or the camera has no frame yet: try again
      }
      if (!stopped) {
        setState((previous) => ({ ...previous, lost: true }));
        timer = setTimeout(() => void open(), 1000);
      }
    };
    void open();
    return () => {
      stopped = true;
      controller?.abort();
      if (timer) clearTimeout(timer);
    };
  }, [session, cameraId]);
  return state;
}

type Mode =
  | { kind: 'view' }
  | { kind: 'zone'; points: [number, number][] }
  | { kind: 'line'; points: [number, number][] };

function CameraCard({ camera, canEdit }: { readonly camera: CameraStatus; readonly canEdit: boolean }) {
  const { t } = useTranslation();
  const { bitmap, overlay, lost } = useFrames(session, camera.id);
  const [zoneExercise, setZoneExercise] = useState<ExerciseName | ''>('');
  const layout = useAsync(
    (signal) =>
      session.api.get(`/api/v1/vision/cameras/${encodeURIComponent(camera.id)}/layout`, {
        signal,
        parse: Layout.parse,
      }),
    [camera.id],
  );
  const [draftLayout, setDraftLayout] = useState<Layout | undefined>(undefined);
  const [editing, setEditing] = useState(false);
  const [mode, setMode] = useState<Mode>({ kind: 'view' });
  const [zoneName, setZoneName] = useState('');
  const [zoneKind, setZoneKind] = useState<ZoneKind>('floor');
  const [saveError, setSaveError] = useState<unknown>(undefined);
  const [saved, setSaved] = useState(false);
  const canvas = useRef<HTMLCanvasElement>(null);
  const shown = draftLayout ?? layout.data;

  useEffect(() => {
    const element = canvas.current;
    const ctx = element?.getContext('2d');
    if (!element || !ctx) return;
    const width = bitmap?.width ?? 640;
    const height = bitmap?.height ?? 480;
    if (element.width !== width) element.width = width;
    if (element.height !== height) element.height = height;
    ctx.fillStyle = '#101828';
    ctx.fillRect(0, 0, width, height);
    if (bitmap) ctx.drawImage(bitmap, 0, 0);
    drawOverlay(ctx, width, height, shown, overlay, mode.kind === 'view' ? [] : mode.points);
  }, [bitmap, overlay, shown, mode]);

  const click = (event: React.MouseEvent<HTMLCanvasElement>) => {
    if (mode.kind === 'view') return;
    const rect = event.currentTarget.getBoundingClientRect();
    const point: [number, number] = [
      Math.min(1, Math.max(0, (event.clientX - rect.left) / rect.width)),
      Math.min(1, Math.max(0, (event.clientY - rect.top) / rect.height)),
    ];
    const points = [...mode.points, point];
    if (mode.kind === 'line' && points.length === 2) {
      const base = draftLayout ?? layout.data ?? { zones: [], lines: [] };
      const id = `linha-${base.lines.length + 1}`;
      setDraftLayout({
        ...base,
        lines: [...base.lines, { id, name: id, from: points[0] as [number, number], to: point }],
      });
      setMode({ kind: 'view' });
      return;
    }
    setMode({ ...mode, points });
  };
  const closeZone = () => {
    if (mode.kind !== 'zone' || mode.points.length < 3) return;
    const base = draftLayout ?? layout.data ?? { zones: [], lines: [] };
    const id = `zona-${base.zones.length + 1}`;
    setDraftLayout({
      ...base,
      zones: [
        ...base.zones,
        {
          id,
          name: zoneName.trim() || id,
          kind: zoneKind,
          ...(zoneExercise ? { exercise: zoneExercise } : {}),
          polygon: mode.points,
        },
      ],
    });
    setZoneName('');
    setMode({ kind: 'view' });
  };
  const save = async () => {
    if (!draftLayout) return;
    setSaveError(undefined);
    try {
      await session.api.put(`/api/v1/vision/cameras/${encodeURIComponent(camera.id)}/layout`, draftLayout, {
        parse: Layout.parse,
      });
      setDraftLayout(undefined);
      setSaved(true);
      layout.reload();
    } catch (error) {
      setSaveError(error);
    }
  };

  return (
    <section className="cam-card" aria-label={camera.name}>
      <header className="cam-card-head">
        <h2>{camera.name}</h2>
        <span className={`cam-state cam-${camera.state}`}>{t(`camState.${camera.state}`)}</span>
      </header>
      <div className="cam-frame">
        <canvas
          ref={canvas}
          onClick={click}
          className={mode.kind === 'view' ? '' : 'cam-drawing'}
          aria-label={camera.name}
        />
        {bitmap ? null : <p className="cam-waiting">{t('waitingFrame')}</p>}
        {bitmap && lost ? <p className="cam-lost">{t('streamLost')}</p> : null}
      </div>
      <div className="cam-facts">
        <strong className="cam-people">
          {t('people')}: {camera.counting && camera.people !== undefined ? camera.people : t('notCounting')}
        </strong>
        <span>{t('fps', { fps: camera.fps })}</span>
        <span>{t('dropped', { count: camera.dropped })}</span>
        {camera.reconnects > 0 ? <span>{t('reconnects', { count: camera.reconnects })}</span> : null}
        {camera.pose ? (
          <span className="cam-pose">
            {t('poseFacts', { fps: camera.pose.fps, people: camera.pose.people })}
          </span>
        ) : null}
      </div>
      {camera.reps && Object.keys(camera.reps).length > 0 ? (
        <ul className="cam-reps" aria-label={t('reps')}>
          {Object.entries(camera.reps).map(([zoneId, reps]) => (
            <li key={zoneId} className={reps.active ? 'cam-reps-active' : ''}>
              {shown?.zones.find((z) => z.id === zoneId)?.name ?? zoneId}: {t(`exercises.${reps.exercise}`)}{' '}
              <strong data-testid={`reps-${zoneId}`}>
                {t('reps')}: {reps.count}
              </strong>{' '}
              <span>
                {reps.feedback.length === 0
                  ? reps.count > 0
                    ? t('goodRep')
                    : ''
                  : reps.feedback.map((code) => t(`feedback.${code}`, { defaultValue: code })).join(', ')}
              </span>
            </li>
          ))}
        </ul>
      ) : null}
      {camera.lastError && camera.state !== 'running' ? (
        <p className="cam-error">{camera.lastError}</p>
      ) : null}
      {shown && shown.zones.length > 0 ? (
        <ul className="cam-zones" aria-label={t('zones')}>
          {shown.zones.map((zone, i) => (
            <li key={zone.id}>
              <span className="cam-swatch" style={{ background: zoneColour(i) }} />
              {zone.name ?? zone.id}
              {zone.kind ? ` (${t(`kinds.${zone.kind}`)})` : ''}:{' '}
              <strong>{camera.counting ? (camera.zones?.[zone.id] ?? 0) : '—'}</strong>
              {editing ? (
                <Button
                  variant="ghost"
                  onClick={() =>
                    setDraftLayout({ ...shown, zones: shown.zones.filter((z) => z.id !== zone.id) })
                  }
                >
                  {t('remove')}
                </Button>
              ) : null}
            </li>
          ))}
          {shown.lines.map((line) => (
            <li key={line.id}>
              <span className="cam-swatch" style={{ background: '#fdb022' }} />
              {t('line')} {line.name ?? line.id}
              {editing ? (
                <Button
                  variant="ghost"
                  onClick={() =>
                    setDraftLayout({ ...shown, lines: shown.lines.filter((l) => l.id !== line.id) })
                  }
                >
                  {t('remove')}
                </Button>
              ) : null}
            </li>
          ))}
        </ul>
      ) : null}
      {canEdit ? (
        <div className="cam-editor">
          <Button
            variant="secondary"
            onClick={() => {
              setEditing(!editing);
              setMode({ kind: 'view' });
              setSaved(false);
            }}
          >
            {editing ? t('doneEditing') : t('edit')}
          </Button>
          {editing ? (
            <>
              <div className="cam-editor-row">
                <Field label={t('zoneName')}>
                  <input value={zoneName} onChange={(e) => setZoneName(e.target.value)} maxLength={80} />
                </Field>
                <Field label={t('zoneKind')}>
                  <select value={zoneKind} onChange={(e) => setZoneKind(e.target.value as ZoneKind)}>
                    {(['floor', 'equipment', 'no_seat', 'entrance'] as const).map((k) => (
                      <option key={k} value={k}>
                        {t(`kinds.${k}`)}
                      </option>
                    ))}
                  </select>
                </Field>
                <Field label={t('zoneExercise')}>
                  <select
                    value={zoneExercise}
                    onChange={(e) => setZoneExercise(e.target.value as ExerciseName | '')}
                  >
                    <option value="">{t('noExercise')}</option>
                    {EXERCISES.map((k) => (
                      <option key={k} value={k}>
                        {t(`exercises.${k}`)}
                      </option>
                    ))}
                  </select>
                </Field>
              </div>
              <div className="cam-editor-row">
                {mode.kind === 'zone' ? (
                  <Button onClick={closeZone} disabled={mode.points.length < 3}>
                    {t('closeZone')}
                  </Button>
                ) : (
                  <Button variant="secondary" onClick={() => setMode({ kind: 'zone', points: [] })}>
                    {t('addZone')}
                  </Button>
                )}
                <Button variant="secondary" onClick={() => setMode({ kind: 'line', points: [] })}>
                  {t('addLine')}
                </Button>
                {mode.kind !== 'view' ? (
                  <Button variant="ghost" onClick={() => setMode({ kind: 'view' })}>
                    {t('cancel')}
                  </Button>
                ) : null}
                <Button onClick={() => void save()} disabled={!draftLayout}>
                  {t('save')}
                </Button>
              </div>
              <p className="cam-hint">{t('lineHint')}</p>
            </>
          ) : null}
          {saved ? <p className="cam-saved">{t('saved')}</p> : null}
          <ProblemBanner error={saveError} />
        </div>
      ) : null}
    </section>
  );
}

function SignIn({ onSignedIn }: { readonly onSignedIn: () => void }) {
  const { t } = useTranslation();
  const [login, setLogin] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<unknown>(undefined);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    try {
      await session.signIn(login, password);
      onSignedIn();
    } catch (e) {
      setError(e);
    }
  };
  return (
    <form className="cam-signin" onSubmit={(e) => void submit(e)}>
      <h2>{t('signInTitle')}</h2>
      <ProblemBanner error={error} />
      <Field label={t('login')}>
        <input value={login} onChange={(e) => setLogin(e.target.value)} autoComplete="username" />
      </Field>
      <Field label={t('password')}>
        <input
          type="password"
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          autoComplete="current-password"
        />
      </Field>
      <Button type="submit">{t('signIn')}</Button>
    </form>
  );
}

function Monitor({ onSignOut }: { readonly onSignOut: () => void }) {
  const { t } = useTranslation();
  const status = useAsync(
    (signal) => session.api.get('/api/v1/vision/status', { signal, parse: VisionStatus.parse }),
    [],
    2000,
  );
  const alerts = useAsync(
    (signal) =>
      session.api.get('/api/v1/vision/alerts', { signal, parse: Alerts.parse, query: { limit: 10 } }),
    [],
    5000,
  );
  const role = session.current()?.account.role;
  const canEdit = role === 'owner' || role === 'manager';
  const data = status.data;
  return (
    <Page
      title={t('title')}
      reachability={session.reachability}
      actions={
        <Button variant="ghost" onClick={onSignOut}>
          {t('signOut')}
        </Button>
      }
    >
      <ProblemBanner error={status.error} onRetry={status.reload} />
      {data && !data.model.ok ? (
        <p className="cam-banner cam-banner-danger" role="alert">
          {t('noModel', { reason: data.model.reason ?? '' })}
        </p>
      ) : null}
      {data?.model.ok ? (
        <p className={`cam-banner ${data.state === 'ok' ? 'cam-banner-ok' : 'cam-banner-warn'}`}>
          {data.state === 'ok' ? t('stateOk') : data.state === 'idle' ? t('stateIdle') : t('stateDegraded')}
        </p>
      ) : null}
      {data?.pose?.wanted && data.pose.state === 'unavailable' ? (
        <p className="cam-banner cam-banner-warn" role="alert" data-testid="pose-unavailable">
          {t('poseUnavailable', { reason: data.pose.reason ?? '' })}
        </p>
      ) : null}
      {data?.pose?.wanted && data.pose.state === 'starting' ? (
        <p className="cam-banner cam-banner-warn">{t('poseStarting')}</p>
      ) : null}
      {data?.pose?.wanted && data.pose.state === 'off' ? <p className="cam-banner">{t('poseOff')}</p> : null}
      {data && data.cameras.length === 0 ? <p>{t('noCameras')}</p> : null}
      <div className="cam-layout">
        <div className="cam-grid">
          {data?.cameras.map((camera) => (
            <CameraCard key={camera.id} camera={camera} canEdit={canEdit} />
          ))}
        </div>
        <aside className="cam-alerts" aria-label={t('alerts')}>
          <h2>{t('alerts')}</h2>
          {alerts.data && alerts.data.length === 0 ? <p>{t('noAlerts')}</p> : null}
          <ul>
            {alerts.data?.map((alert) => (
              <li key={alert.id} className={`cam-alert cam-alert-${alert.severity}`}>
                <strong>{alert.title}</strong>
                <time dateTime={alert.raisedAt}>
                  {new Date(alert.raisedAt).toLocaleString(i18n.language)}
                </time>
                {alert.detail ? <span>{alert.detail}</span> : null}
              </li>
            ))}
          </ul>
          <p className="cam-hint">{t('privacy')}</p>
        </aside>
      </div>
    </Page>
  );
}

function Cameras() {
  const [signedIn, setSignedIn] = useState(session.current() !== undefined);
  if (!signedIn) {
    return (
      <Page title={i18n.t('title')} reachability={session.reachability}>
        <SignIn onSignedIn={() => setSignedIn(true)} />
      </Page>
    );
  }
  return (
    <Monitor
      onSignOut={() => {
        session.signOut();
        setSignedIn(false);
      }}
    />
  );
}

mountScreen(i18n, <Cameras />);
