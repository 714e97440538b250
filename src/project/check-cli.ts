import path from 'node:path';
import { checkProject } from './check';

const root = path.resolve(process.argv[2] ?? '.');
const { problems, components } = checkProject(root);
for (const component of components)
  console.log(`ok  ${component.type.padEnd(9)} ${component.uid}  (${component.file})`);
if (problems.length > 0) {
  console.error(`\n${problems.length} problem(s) in the HubSpot project at ${root}:`);
  for (const problem of problems) console.error(`  - ${problem}`);
  process.exit(1);
}
console.log(`\nHubSpot project at ${root}: ${components.length} components, no problems.`);
