import { createSigmaEngine, loadRulesFile } from '@soc/sigma';
const engine = createSigmaEngine(loadRulesFile());
const ls = [{ product: 'windows', category: 'process_creation', service: 'sysmon' }];
const shapes: Record<string,string> = {
  a: 'A'.repeat(32_760),
  spaces: ' '.repeat(32_760),
  mixed: ('powershell -e ' + 'JAB'.repeat(10) + ' ').repeat(1500).slice(0, 32_760),
  slashes: '\\'.repeat(32_760),
  dashes: '-'.repeat(32_760),
  quotes: '"'.repeat(32_760),
  wordspace: 'a '.repeat(16_380),
  dots: '.'.repeat(32_760),
  http: ('http://' + 'x'.repeat(20)+'/').repeat(1200).slice(0,32760),
};
for (const [k, v] of Object.entries(shapes)) {
  for (const field of ['CommandLine', 'Image', 'ParentCommandLine']) {
    const t = performance.now();
    engine.match({ Image: 'C:\\Windows\\System32\\cmd.exe', CommandLine: 'x', [field]: v }, ls);
    const ms = performance.now() - t;
    console.log(k, field, Math.round(ms), 'ms');
  }
}
console.log('done');
