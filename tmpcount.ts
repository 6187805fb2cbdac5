import { useNodeBackend } from './src/engine/backend/node';
import { defaultRunKernels } from './bench/speed/defaultRunProfile';
import { trainingFusionConfig } from './src/engine/backend/trainingFusionConfig';
async function main(){ await useNodeBackend((process.argv[2] ?? 'wasm') as 'wasm');
for (const [k, v] of Object.entries(JSON.parse(process.argv[3] ?? '{}'))) (trainingFusionConfig.fused as Record<string, boolean>)[k] = v as boolean;
const r = await defaultRunKernels(2, JSON.parse(process.argv[4] ?? "{}"));
console.log(r.kernelsPerStep, JSON.stringify(r.byName));}
void main();
