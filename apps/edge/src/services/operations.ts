import type { PaymentProvider } from '../domain/payments.ts';
import { BookingService } from './booking-service.ts';
import { CheckinService } from './checkin-service.ts';
import { EquipmentService } from './equipment-service.ts';
import { MembershipOps } from './membership-ops.ts';
import {
  createOperationsContext,
  type OperationsContext,
  type OperationsContextOptions,
} from './operations-context.ts';
import { PaymentService } from './payment-service.ts';
import { ReportsService } from './reports-service.ts';
import { TimetableService } from './timetable-service.ts';

/** The gym's operations at one unit: every service the front desk, the kiosk and the assistant use. */
export interface Operations {
  readonly context: OperationsContext;
  readonly memberships: MembershipOps;
  readonly bookings: BookingService;
  readonly checkins: CheckinService;
  readonly payments: PaymentService;
  readonly timetable: TimetableService;
  readonly equipment: EquipmentService;
  readonly reports: ReportsService;
}

/** Wires the operations services over a unit's store (no I/O beyond reading the unit's settings and keys). */
export function createOperations(
  options: OperationsContextOptions & { paymentProvider?: PaymentProvider },
): Operations {
  const context = createOperationsContext(options);
  const memberships = new MembershipOps(context);
  const bookings = new BookingService(context, memberships);
  const payments = new PaymentService(context, options.paymentProvider);
  return {
    context,
    memberships,
    bookings,
    checkins: new CheckinService(context, memberships, bookings),
    payments,
    timetable: new TimetableService(context),
    equipment: new EquipmentService(context),
    reports: new ReportsService(context, memberships, payments),
  };
}
