import { createServer as createTcpServer, type Server } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { Aedes, type AuthenticateError, type Client } from 'aedes';
import type { Logger } from 'pino';
import { clientIdAllowed, mayPublish, maySubscribe, type SyncIdentity } from './acl.ts';
import type { IdentityRegistry } from './identities.ts';

/** TLS material of a broker listener, PEM text. */
export interface TlsMaterial {
  readonly cert: string;
  readonly key: string;
}

/** Options of {@link startEmbeddedBroker}. */
export interface EmbeddedBrokerOptions {
  readonly identities: IdentityRegistry;
  readonly logger: Logger;
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** Default 1883; 0 picks a free port. */
  readonly port?: number;
  /** Listen for mqtts:// instead of mqtt://. */
  readonly tls?: TlsMaterial;
}

/** What the dashboard and /metrics show of the broker. */
export interface BrokerStats {
  readonly kind: 'aedes' | 'external';
  readonly url: string;
  readonly up: boolean;
  readonly clients: number;
  readonly uptimeSeconds: number;
  readonly messagesIn: number;
  readonly refusedConnects: number;
  readonly refusedPublishes: number;
  readonly refusedSubscribes: number;
}

/** The embedded broker: Aedes on a TCP (or TLS) listener, with HQ's identities and topic ACLs. */
export interface EmbeddedBroker {
  readonly url: string;
  readonly port: number;
  stats(): BrokerStats;
  stop(): Promise<void>;
}

/** Aedes' CONNACK return codes (a const enum in its types, which isolated modules cannot read). */
const BAD_USERNAME_OR_PASSWORD = 4;
const NOT_AUTHORIZED = 5;

function refusal(message: string, code: number): AuthenticateError {
  return Object.assign(new Error(message), { returnCode: code }) satisfies AuthenticateError;
}

/**
 * Starts Aedes (ESM: `Aedes.createBroker`) on a `net` or `tls` server. Every connect is checked against
 * the identity registry (no credentials, an unknown user or a wrong password are refused), and every
 * publish and subscribe against the identity's rules derived from the topic map. A refused publish
 * closes the client (MQTT 3.1.1 has no negative PUBACK); a refused subscription is granted 0x80.
 */
export async function startEmbeddedBroker(options: EmbeddedBrokerOptions): Promise<EmbeddedBroker> {
  const log = options.logger.child({ module: 'broker' });
  const peers = new Map<Client, SyncIdentity>();
  const counters = { messagesIn: 0, refusedConnects: 0, refusedPublishes: 0, refusedSubscribes: 0 };
  const started = Date.now();
  const broker = await Aedes.createBroker({
    authenticate: (client, username, password, done) => {
      if (username === undefined || password === undefined) {
        counters.refusedConnects++;
        log.warn({ clientId: client.id }, 'connect without credentials refused');
        done(refusal('credentials required', NOT_AUTHORIZED), false);
        return;
      }
      const identity = options.identities.authenticate(username, password.toString('utf8'));
      if (identity === undefined || !clientIdAllowed(identity.username, client.id)) {
        counters.refusedConnects++;
        log.warn(
          { clientId: client.id, username, reason: identity === undefined ? 'credentials' : 'client id' },
          'connect refused',
        );
        done(refusal('bad username or password', BAD_USERNAME_OR_PASSWORD), false);
        return;
      }
      peers.set(client, identity.peer);
      done(null, true);
    },
    authorizePublish: (client, packet, done) => {
      // The broker's own publishes (wills are the client's) come with no client.
      if (client === null) return done(null);
      const peer = peers.get(client);
      if (peer === undefined || !mayPublish(peer, packet.topic)) {
        counters.refusedPublishes++;
        log.warn({ clientId: client.id, topic: packet.topic }, 'publish refused by ACL');
        return done(new Error(`not allowed to publish to ${packet.topic}`));
      }
      counters.messagesIn++;
      done(null);
    },
    authorizeSubscribe: (client, subscription, done) => {
      const peer = peers.get(client);
      if (peer === undefined || !maySubscribe(peer, subscription.topic)) {
        counters.refusedSubscribes++;
        log.warn({ clientId: client.id, filter: subscription.topic }, 'subscription refused by ACL');
        return done(null, null);
      }
      done(null, subscription);
    },
  });
  broker.on('clientDisconnect', (client) => peers.delete(client));
  broker.on('clientError', (client, error) =>
    log.debug({ clientId: client.id, err: error.message }, 'client error'),
  );

  const host = options.host ?? '127.0.0.1';
  const server: Server = options.tls
    ? createTlsServer({ cert: options.tls.cert, key: options.tls.key, minVersion: 'TLSv1.2' }, broker.handle)
    : createTcpServer(broker.handle);
  const sockets = new Set<import('node:net').Socket>();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  server.on('secureConnection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 1883, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : (options.port ?? 1883);
  const url = `${options.tls ? 'mqtts' : 'mqtt'}://${host}:${port}`;
  log.info({ url }, 'embedded broker listening');
  let up = true;
  let stopping: Promise<void> | undefined;
  return {
    url,
    port,
    stats: () => ({
      kind: 'aedes',
      url,
      up,
      clients: broker.connectedClients,
      uptimeSeconds: Math.round((Date.now() - started) / 1000),
      ...counters,
    }),
    stop: () => {
      stopping ??= new Promise<void>((resolve) => {
        up = false;
        server.close();
        for (const socket of sockets) socket.destroy();
        broker.close(() => resolve());
      });
      return stopping;
    },
  };
}
