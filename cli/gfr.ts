/**
 * GFR Studio's command line: the same engine as the studio, headless.
 *   npm run gfr -- analyze <model>
 *   npm run gfr -- prune <model> --data <…> --out DIR
 *   npm run gfr -- eval <model> --data <…>
 */
import '../src/engine/gfr/gfrLayer';
import { readFileSync } from 'node:fs';
import { analyzeCommand, evalCommand, pruneCommand } from './commands';
import { exitCodeOf, parseCommandLine, unusedFlagWarnings, UsageError } from './args';

export const HELP = `GFR Studio command line — channel pruning with GFR, headless.

Usage (npx gfr-studio, or npm run gfr -- in a checkout):
  gfr-studio analyze <model>
  gfr-studio prune <model> --data <data> --out DIR [options]
  gfr-studio eval <model> --data <data> [options]

Exit codes: 0 done, and the pruned model is within the tolerance over the
whole 95% interval of its validation accuracy; 1 an input that cannot be
used, or a pruned model that surely loses more than the tolerance (nothing
written unless --force); 2 a command line that cannot be understood
(unknown flag or command, a missing or malformed value); 3 the model and
report were written but the validation images cannot tell whether it is
within the tolerance (the report says how many more images would).

<model>   a tfjs model.json (weight files beside it) or a zip of them, a Keras
          .keras or .h5 file, or a built-in model: lenet, vgg, resnet,
          mobilenet (built for the data's image size)
<data>    digits (built-in, 10,000 MNIST digits; the default), fashion-mnist
          (Debian's dataset-fashion-mnist), a folder holding an *images-idx*
          and a *labels-idx* file (gzipped or not), or a folder or zip of
          one subfolder of PNG/JPEG images per class; images are resized to
          the model's input size

Options:
  --val-data <data>     your own validation images, in any form <data> takes
                        (same --mean/--std, resized to the model's input):
                        every reported accuracy and the verdict are measured
                        on them, and all of --data trains and calibrates
                        (nothing is held out of it); they must have the
                        model's channels and classes. eval measures on them
                        (reading --data only to build a built-in model)
  --mean M,M,M          per-channel mean subtracted after scaling pixels to
                        [0, 1], or a preset: none, imagenet (torchvision),
                        tf (Keras, [-1, 1]), caffe (Keras: BGR, mean on
                        0-255); remembered in the exported model.json and
                        used again when it is read
  --std S,S,S           per-channel standard deviation divided by (e.g.
                        --mean 0.5 --std 0.5 for inputs in [-1, 1])
  --epochs N            sparse-training epochs (default 1; 0 prunes as is,
                        with --criterion l1 or gamma)
  --target T            auto (the default from a trained model: free as
                        much as accuracy allows, holding it within half the
                        tolerance of the original on held-out calibration
                        images), or the share sparse training frees by
                        driving channels to exactly zero (e.g. 0.5; 0 =
                        plain L1 on γ in the loss; auto on an untrained
                        built-in means 0.5)
  --target-of K         what T is a share of: channels, or the model's flops
                        that the zero channels free (channels)
  --pretrain-epochs N   normal training first, e.g. for untrained built-ins (0)
  --samples N           training images (default: all not used for validation)
  --val-samples N       validation images (default: 10% of --data up to
                        1,000; with --val-data, a seeded N of those images,
                        default all)
  --criterion C         gfr | gamma | l1 | random (default gfr)
  --ranking M           global (raw scores, one list), normalized (each
                        layer's scores divided by its largest) or per-flop
                        (score per FLOP freed) (normalized)
  --tolerance P         accuracy points the selected model may lose against
                        the original model as loaded (1.0); a run that
                        surely loses more writes nothing (unless --force)
                        and exits 1; one the validation images cannot
                        settle is written and exits 3
  --force               write the model even when it loses more than the
                        tolerance (the exit code stays 1)
  --select-by K         among candidates within the tolerance, the largest
                        ratio (ratio) or the fewest FLOPs kept (flops) (ratio)
  --budget M=V          instead: the most accurate candidate with M at most V,
                        M one of params, flops, weightBytes, latencyMs
                        (latencyMs: the unpruned model's, divided by the
                        candidate's measured speed-up)
  --ratios R,R,…        grid of pruning ratios (default 0,0.05,…,0.9)
  --full-grid           measure every ratio of the grid; by default the grid
                        stops after two ratios in a row whose calibration
                        accuracy collapsed (below the original by more than
                        max(5×tolerance, 5) points, past their 95% interval);
                        the refining pass still runs
  --latency-budget MS   time to time each candidate against the unpruned
                        model, in turn, until the 95% interval of its
                        speed-up is within ±10% (2000)
  --round-to N          every layer keeps a multiple of N channels (or all of
                        them), e.g. 4, 8 or 16, widths SIMD kernels handle
                        without padding; applied where the ranking cuts, so
                        coupled layers keep the same multiple (1: off) (1)
  --batch-size N        training batch size (64)
  --optimizer O         adam or sgd (SGD: momentum 0.9, the rate falls to
                        ~0 along a cosine over the run's steps, weight decay
                        on conv/dense kernels) (adam)
  --learning-rate X     the rate, SGD's starting one (SGD 0.01; Adam 0.001,
                        0.0003 for sparse training of a trained model)
  --weight-decay X      SGD's weight decay on kernels, not on BN γ/β, biases
                        or GFR gates (0.0001)
  --augment A           auto, none, flip or flip-shift (flips and shifts of
                        up to 4 pixels) of the training images only; auto:
                        flips where the original keeps its accuracy on
                        mirrored calibration images (photos yes, digits and
                        text no), none without a trained original (none)
  --lambda-gamma X      λγ, weight of Σ|γ| (0.0001)
  --lambda-s X          λs, weight of the GFR gates' penalty (0.0001)
  --gate-penalty P      sum (Σ of the gates) or polarization (split the gates
                        of each layer apart) (sum)
  --gate-temperature τ  gates s = sigmoid(u / τ) (1)
  --distill W           share of the loss that distils from the original
                        model (trained starts only; 0 = off) (0.7)
  --distill-temperature T  temperature of distillation (4)
  --no-compensate       do not fold removed channels into the next bias
  --no-recalibrate      do not recalibrate BatchNormalization statistics
  --backend B           wasm (default) or cpu
  --seed N              seed of the split, batch order and initializers (1)
  --out DIR             prune: where model.json, weights.bin, report.json go;
                        checked before any training: a folder that already
                        holds a model is refused, an unwritable one too; the
                        files appear all at once when the run ends
  --overwrite           replace the model in an --out folder that holds one
                        (its other files are kept)
  --format F            prune: tfjs (model.json + weights.bin) or onnx
                        (model.onnx, opset 13; NHWC input, or the input
                        name and NCHW layout of an .onnx model) (onnx for an
                        .onnx model, else tfjs)
  --quantize Q          prune: store the kernels as float16 or uint8 in
                        weights.bin (stock tf.loadLayersModel reads them);
                        the selected model's accuracy with them is measured
                        and reported
  --no-onnx-normalization  prune --format onnx: leave --mean/--std out of the
                        file (by default its first nodes apply them, so it
                        takes pixels in [0, 1])
  -h, --help            this text
  -v, --version         the version
`;

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { name: string; version: string };
  return `${pkg.name} ${pkg.version}\n`;
}

async function main(argv: string[]): Promise<void> {
  const { flags, positionals } = parseCommandLine(argv);
  const [command, ...rest] = positionals;
  if (flags.version) {
    process.stdout.write(version());
    return;
  }
  if (flags.help || !command) {
    process.stdout.write(HELP);
    return;
  }
  if (!['analyze', 'prune', 'eval'].includes(command)) throw new UsageError(`Unknown command '${command}'. Use analyze, prune or eval (see --help).`);
  for (const warning of unusedFlagWarnings(command, flags)) process.stderr.write(`warning: ${warning}\n`);
  if (command === 'analyze') return analyzeCommand(rest);
  if (command === 'prune') return pruneCommand(rest, flags);
  return evalCommand(rest, flags);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`error: ${message.split('\n')[0]}\n`);
  if (process.env.GFR_DEBUG && error instanceof Error) process.stderr.write(`${error.stack}\n`);
  process.exitCode = exitCodeOf(error);
});
