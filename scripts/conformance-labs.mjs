// Writes topologies/conformance/: the plain conformance lab of each variant (DUT priority 100 + the
// tester), from the same templates the conformance runner uses. Run after changing src/conformance/lab.ts:
//   npm run build && node scripts/conformance-labs.mjs
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { baseLab, twoDutLab, VARIANT_IDS, VARIANTS } from '../dist/src/conformance/lab.js';

const dir = 'topologies/conformance';
for (const id of VARIANT_IDS) {
  const { yaml, conf } = baseLab(VARIANTS[id]);
  mkdirSync(join(dir, id), { recursive: true });
  writeFileSync(join(dir, `${id}.yaml`), yaml);
  writeFileSync(join(dir, id, 'dut.conf'), conf);
  const two = twoDutLab(VARIANTS[id]);
  writeFileSync(join(dir, `${id}-two.yaml`), two.yaml);
  writeFileSync(join(dir, id, 'dut-200.conf'), two.conf);
  writeFileSync(join(dir, id, 'dut2-100.conf'), two.conf2);
  console.log(
    `${dir}/${id}.yaml (+ ${id}/dut.conf), ${dir}/${id}-two.yaml (+ ${id}/dut-200.conf, ${id}/dut2-100.conf)`,
  );
}
