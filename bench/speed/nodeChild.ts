/**
 * One Node path in a process of its own (nodeSpeed.ts, measureInChildProcess): the
 * run as JSON in argv[2], log lines on stderr, the path as JSON on stdout.
 */
import { measureInNode, type NodeRun } from './nodeSpeed';

const run = JSON.parse(process.argv[2] ?? '{}') as NodeRun;
const path = await measureInNode(run, (line) => process.stderr.write(`${line}\n`));
process.stdout.write(JSON.stringify(path));
// The threaded build's pool of workers would keep the process alive.
process.exit(0);
