import { type DocumentId, deterministicDocId, type MemberDoc, type PaymentDoc } from '@gymedge/crdt-schema';
import type { DocumentStore, Patch } from '@gymedge/store';
import { zonedToUtc } from '../domain/time.ts';
import {
  type CustomerRow,
  type ParseProgress,
  parseCustomers,
  parseTransactions,
  type RowError,
  type TransactionRow,
} from '../import/csv.ts';
import type { Actor } from './contracts.ts';
import type { MemberPii, StoreMemberService } from './member-service.ts';

export interface ImportReport {
  readonly file: 'customers' | 'transactions';
  /** Data rows read (not counting the header). */
  readonly rows: number;
  readonly created: number;
  readonly updated: number;
  readonly unchanged: number;
  /** Members created because a transaction named a customer the unit did not know. */
  readonly membersCreated: number;
  /** Every rejected row with its line number; nothing is dropped silently. */
  readonly errors: readonly RowError[];
}

export interface HistoryImportDeps {
  readonly store: DocumentStore;
  readonly members: StoreMemberService;
  readonly unitId: string;
  readonly timeZone: string;
  readonly actor: Actor;
}

export interface ImportOptions {
  readonly onProgress?: (progress: ParseProgress) => void;
  /** Writes in flight at once (they share group commits). */
  readonly batchSize?: number;
}

/** When a transaction names no service, it is recorded as this. */
export const UNSPECIFIED_SERVICE = 'Não informado';

/**
 * Imports the chain's exports into this unit's documents. Ids are derived from the natural keys
 * (unit + customer_id; unit + customer + date + amount + service + occurrence), so importing the
 * same file again finds the same documents and writes nothing.
 */
export class HistoryImport {
  readonly #deps: HistoryImportDeps;

  constructor(deps: HistoryImportDeps) {
    this.#deps = deps;
  }

  memberIdOf(customerId: string): DocumentId<'member'> {
    return deterministicDocId('member', this.#deps.unitId, 'customer', customerId);
  }

  async customers(input: string | NodeJS.ReadableStream, options: ImportOptions = {}): Promise<ImportReport> {
    // A customer_id twice in one file: the second row would silently overwrite the first, so it is refused.
    const firstLine = new Map<string, number>();
    const report = await this.#run(parseCustomers(input, parseOptions(options)), options, (row) => {
      const first = firstLine.get(row.customerId);
      if (first !== undefined) {
        return Promise.reject(
          new RowRejected(
            `customer_id ${row.customerId} appears again (first on line ${first}); this row was not imported. ` +
              'Keep one row per customer and import again.',
          ),
        );
      }
      firstLine.set(row.customerId, row.line);
      return this.#upsertCustomer(row);
    });
    return { file: 'customers', ...report };
  }

  async transactions(
    input: string | NodeJS.ReadableStream,
    options: ImportOptions = {},
  ): Promise<ImportReport> {
    const seen = new Map<string, number>();
    const creating = new Map<string, Promise<'created' | 'updated' | 'unchanged'>>();
    let membersCreated = 0;
    const report = await this.#run(parseTransactions(input, parseOptions(options)), options, async (row) => {
      if (row.date === undefined || row.amountCents === undefined) {
        throw new RowRejected(
          `${row.date === undefined ? 'transaction_date' : 'amount'} is empty; a payment needs a date and an amount`,
        );
      }
      const payment = { ...row, date: row.date, amountCents: row.amountCents };
      // The n-th identical transaction of a customer gets the n-th id, so re-imports find it again.
      const key = [row.customerId, row.date, String(row.amountCents), row.service ?? ''].join('|');
      const occurrence = (seen.get(key) ?? 0) + 1;
      seen.set(key, occurrence);
      const memberId = this.memberIdOf(row.customerId);
      if (!this.#deps.store.has(memberId) || creating.has(memberId)) {
        let pending = creating.get(memberId);
        if (pending === undefined) {
          pending = this.#upsertCustomer({ line: row.line, customerId: row.customerId });
          creating.set(memberId, pending);
          if ((await pending) === 'created') membersCreated++;
        } else {
          await pending;
        }
      }
      return this.#upsertPayment(payment, memberId, occurrence);
    });
    return { file: 'transactions', ...report, membersCreated };
  }

  /** Reads rows, writes them with up to `batchSize` in flight, and counts what happened to each. */
  async #run<R extends { line: number }>(
    items: AsyncIterable<{ row: R } | { error: RowError }>,
    options: ImportOptions,
    write: (row: R) => Promise<'created' | 'updated' | 'unchanged'>,
  ): Promise<Omit<ImportReport, 'file'>> {
    const counts = { rows: 0, created: 0, updated: 0, unchanged: 0 };
    const errors: RowError[] = [];
    const size = options.batchSize ?? 500;
    let inFlight: Promise<void>[] = [];
    for await (const item of items) {
      counts.rows++;
      if ('error' in item) {
        errors.push(item.error);
        continue;
      }
      const { line } = item.row;
      // Rows are validated synchronously before their write is started, so the order of ids is the file's.
      const pending = write(item.row).then(
        (outcome) => {
          counts[outcome]++;
        },
        (error: unknown) => {
          errors.push({
            line,
            message: `line ${line}: ${error instanceof Error ? error.message : String(error)}`,
          });
        },
      );
      inFlight.push(pending);
      if (inFlight.length >= size) {
        await Promise.all(inFlight);
        inFlight = [];
      }
    }
    await Promise.all(inFlight);
    errors.sort((a, b) => a.line - b.line);
    return { ...counts, membersCreated: 0, errors };
  }

  async #upsertCustomer(
    row: Pick<CustomerRow, 'customerId' | 'line'> & Partial<CustomerRow>,
  ): Promise<'created' | 'updated' | 'unchanged'> {
    const id = this.memberIdOf(row.customerId);
    const pii: MemberPii = { externalRef: row.customerId };
    if (row.age !== undefined) pii.age = String(row.age);
    if (row.gender !== undefined) pii.gender = row.gender;
    const fields: Patch<MemberDoc> = {};
    if (row.signupDate !== undefined) fields.signupDate = row.signupDate;
    if (row.region !== undefined) fields.region = row.region;
    if (row.churn !== undefined) fields.churned = row.churn;
    if (!this.#deps.store.has(id)) {
      await this.#deps.members.createDocument(
        id,
        {
          status: row.churn === true ? 'inactive' : 'active',
          consent: { marketing: false, imageAnalytics: false },
          ...(fields as Partial<MemberDoc>),
        },
        pii,
        this.#deps.actor,
      );
      return 'created';
    }
    const current = this.#deps.store.get<'member'>(id);
    if (current?.status === 'erased') return 'unchanged';
    return (await this.#deps.members.reconcile(id, fields, pii, this.#deps.actor)) ? 'updated' : 'unchanged';
  }

  async #upsertPayment(
    row: TransactionRow & { date: string; amountCents: number },
    memberId: DocumentId<'member'>,
    occurrence: number,
  ): Promise<'created' | 'updated' | 'unchanged'> {
    const service = row.service ?? UNSPECIFIED_SERVICE;
    const id = deterministicDocId(
      'payment',
      this.#deps.unitId,
      'import',
      row.customerId,
      row.date,
      String(row.amountCents),
      service,
      String(occurrence),
    );
    const fields: Omit<PaymentDoc, 'id' | 'type' | 'schemaVersion' | 'unitId' | 'createdAt' | 'updatedAt'> = {
      memberId,
      amountCents: row.amountCents,
      currency: 'BRL',
      service,
      status: 'paid',
      dueDate: row.date,
      paidAt: zonedToUtc(row.date, '12:00', this.#deps.timeZone),
      timeZone: this.#deps.timeZone,
    };
    if (!this.#deps.store.has(id)) {
      await this.#deps.store.create('payment', fields, { id });
      return 'created';
    }
    return (await this.#deps.store.update(id, fields)).changed ? 'updated' : 'unchanged';
  }
}

/** A row that cannot be imported, with the reason shown after its line number. */
class RowRejected extends Error {
  override readonly name = 'RowRejected';
}

function parseOptions(options: ImportOptions): { onProgress?: (progress: ParseProgress) => void } {
  return options.onProgress ? { onProgress: options.onProgress } : {};
}
