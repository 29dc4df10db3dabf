import { Command, Option } from 'commander';
import { VERSION } from '../paths.ts';
import { backupCommand, restoreCommand } from './backup.ts';
import { churnCommand } from './churn.ts';
import { demoCommand } from './demo.ts';
import { edgeCommand } from './edge.ts';
import { registerHqCommands } from './hq.ts';
import { importCommand } from './import.ts';
import { fail } from './output.ts';
import { rebuildCommand } from './rebuild.ts';
import { seedDemoCommand } from './seed.ts';
import { segmentCommand } from './segment.ts';
import { registerVisionCommands } from './vision.ts';

const program = new Command('gymedge')
  .description('GymEdge: the appliance a gym chain runs in every unit, working offline and syncing to HQ.')
  .version(VERSION)
  .showHelpAfterError('(run with --help to see the options)')
  .addHelpText(
    'after',
    `
Data lives in GYMEDGE_DATA_DIR (default: ./.data), one folder per unit with its SQLite database.
Examples:
  gymedge demo                                   the demo chain on :8081 and :8082
  gymedge edge --unit sp-paulista --port 8081    one unit
  gymedge import --unit sp-paulista --customers customers.csv --transactions transactions.csv
  gymedge backup --unit sp-paulista --out backups/sp-2026-11-25.db
  gymedge restore --unit sp-paulista --from backups/sp-2026-11-25.db --yes`,
  );

const dataOption = () => new Option('--data <dir>', 'data folder (default: $GYMEDGE_DATA_DIR or ./.data)');
const unitOption = () => new Option('--unit <id>', 'unit id, a slug like sp-paulista').makeOptionMandatory();

program
  .command('demo')
  .description(
    'Run the demo chain: units sp-paulista (:8081) and rj-copacabana (:8082), each in its own process, seeded on first start with ~2,000 members and 12 months of history.',
  )
  .addOption(dataOption())
  .option('--members <n>', 'members per unit when seeding', '2000')
  .option('--reset', 'delete the demo data first and seed again (asks; copies kept by restore stay)')
  .option('--yes', 'with --reset: delete without asking')
  .option('--host <host>', 'address to listen on', '127.0.0.1')
  .action((options) => demoCommand(options).catch(fail));

program
  .command('edge')
  .description('Run one unit: its store and API (and its screens as they arrive) on one port.')
  .addOption(unitOption())
  .option('--port <n>', 'HTTP port (default: $GYMEDGE_<UNIT>_PORT or 8081)')
  .option('--host <host>', 'address to listen on', '127.0.0.1')
  .addOption(dataOption())
  .option('--seed-demo <members>', 'seed demo data when the unit is empty')
  .action((options) => edgeCommand(options).catch(fail));

program
  .command('import')
  .description(
    "Import the chain's exports into a stopped unit: customers.csv (customer_id, age, gender, signup_date, region, churn) and/or transactions.csv (customer_id, transaction_date, amount, service). Re-importing a file changes nothing; bad rows are listed with their line numbers. Exit code 3 when some rows were rejected.",
  )
  .addOption(unitOption())
  .addOption(dataOption())
  .option('--customers <file>', 'customers CSV')
  .option('--transactions <file>', 'transactions CSV')
  .option('--time-zone <zone>', "the unit's IANA time zone", 'America/Sao_Paulo')
  .option(
    '--errors <file>',
    'also write every rejected row to this file (CSV: file, line, reason, the row as it is in the input)',
  )
  .option(
    '--create-unit',
    'create the unit when it does not exist yet (otherwise a mistyped --unit is refused)',
  )
  .action((options) => importCommand(options).catch(fail));

program
  .command('backup')
  .description(
    "Copy a unit's database with SQLite's online backup (safe while the unit runs), then verify the copy.",
  )
  .addOption(unitOption())
  .addOption(dataOption())
  .requiredOption('--out <file>', 'backup file to create (must not exist)')
  .action((options) => backupCommand(options).catch(fail));

program
  .command('restore')
  .description(
    "Replace a stopped unit's database with a backup. The backup is verified first (integrity, unit id, schema); the current database is kept beside it, never deleted.",
  )
  .addOption(unitOption())
  .addOption(dataOption())
  .requiredOption('--from <file>', 'backup file')
  .option('--yes', 'do it (without --yes, only verify and say what would happen)')
  .action((options) => restoreCommand(options).catch(fail));

program
  .command('seed-demo')
  .description(
    'Fill an empty, stopped unit with the demo data (members, plans, 12 months of history). `edge --seed-demo` does this for you.',
  )
  .addOption(unitOption())
  .addOption(dataOption())
  .option('--members <n>', 'members to create', '2000')
  .action((options) => seedDemoCommand(options).catch(fail));

program
  .command('rebuild')
  .description(
    "Rebuild a stopped unit's read models (projections) from its documents, e.g. after a projection changed.",
  )
  .addOption(unitOption())
  .addOption(dataOption())
  .action((options) => rebuildCommand(options).catch(fail));

registerVisionCommands(program);
registerHqCommands(program, fail);

program.addCommand(churnCommand());
program.addCommand(segmentCommand());

await program.parseAsync(process.argv);
