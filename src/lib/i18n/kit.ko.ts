/**
 * The lesson kit's messages (src/lib/lessons/kit.ts, `kitMessages`) in Korean, and the English
 * phrases that reach check messages as parameters from the lab (a comparison's detail, a race's
 * verdict), as patterns: `{name}` matches any text, which is carried over.
 */
import type { kitMessages } from '$lib/lessons/kit';

export const kitKo: Record<keyof typeof kitMessages, string> = {
  'missing-export': 'main.ts는 함수 {signature}를 export해야 합니다. 지금 export하는 것: {exports}',
  'not-a-function': 'main.ts가 export하는 {name}은(는) 함수 {signature}가 아니라 {type}입니다',
  'not-tensor': '{what}은(는) Tensor { shape, data: Float32Array }를 반환해야 하는데 {got}을(를) 반환했습니다',
  shape: '{what}: shape [{expected}]이어야 하는데 [{got}]입니다',
  mismatch: '{where}: {detail}',
  'mismatch-hint': '{where}: {detail}. {hint}',
  'mismatch-at': '{where}: {detail}.',
  matches: '{cases}에서 float64 참조 구현과 일치합니다',
  'not-number': '{what}은(는) 수를 반환해야 하는데 {got}을(를) 반환했습니다',
  race: '{mine}: {mineMs} ms, {baseline}: {baselineMs} ms (N = {n}, {ratio}배 {faster})',
  skipped: '{backends}에서만 실행됩니다',
  threw: '코드에서 예외가 발생했습니다: {message}'
};

/** Phrases of the lab's own (src/lib/runtime/lab/tensors.ts) that check messages carry as parameters. */
export const commonTextKo: Record<string, string> = {
  faster: '빠름',
  slower: '느림',
  'row {r}, column {c} differs: got {got}, expected {want} (max abs error {err}; tolerance atol {atol} + rtol {rtol})':
    '{r}행 {c}열이 다릅니다: 값 {got}, 기댓값 {want} (최대 절대 오차 {err}, 허용 오차 atol {atol} + rtol {rtol})',
  'element {i} differs: got {got}, expected {want} (max abs error {err}; tolerance atol {atol} + rtol {rtol})':
    '원소 {i}이(가) 다릅니다: 값 {got}, 기댓값 {want} (최대 절대 오차 {err}, 허용 오차 atol {atol} + rtol {rtol})',
  'element [{at}] differs: got {got}, expected {want} (max abs error {err}; tolerance atol {atol} + rtol {rtol})':
    '원소 [{at}]이(가) 다릅니다: 값 {got}, 기댓값 {want} (최대 절대 오차 {err}, 허용 오차 atol {atol} + rtol {rtol})',
  'expected shape [{want}], got [{got}]': 'shape [{want}]이어야 하는데 [{got}]입니다',
  'all {count} values within atol {atol} + rtol {rtol} (max abs error {err})':
    '{count}개 값 모두 허용 오차 atol {atol} + rtol {rtol} 이내 (최대 절대 오차 {err})',
  'runs on {backends} only': '{backends}에서만 실행됩니다',
  // The largest allocation of a probe, as checks quote it (largestAllocation in src/lib/lessons/kit.ts).
  "buffer '{label}' ({size})": "버퍼 '{label}' ({size})",
  "tensor '{label}' ({size})": "텐서 '{label}' ({size})",
  "graph tensor '{name}' [{shape}] ({size})": "그래프 텐서 '{name}' [{shape}] ({size})",
  // Why a sweep point was not run (src/lib/bench/sweep.ts).
  'largest buffer {size} exceeds {limit} ({max})': '가장 큰 버퍼 {size}가 {limit} ({max})를 넘습니다',
  'needs {size}, over {limit} ({max})': '{size}가 필요해 {limit} ({max})를 넘습니다',
  "would take about {time}; the sweep's budget is {budget}":
    '약 {time} 걸릴 것으로 예상되는데, 스윕의 시간 예산은 {budget}입니다',
  // Errors the page itself reports (src/lib/runtime/sandbox/host.ts, worker.ts, execute.ts).
  "stopped after {s} s, this lesson's time budget. Look for a loop that never ends, or lower N.":
    '이 레슨의 시간 예산인 {s}초가 지나 중단했습니다. 끝나지 않는 반복문이 있는지 확인하거나 N을 줄이세요.',
  'the GPU device was lost ({why}). Run again to get a new one.':
    'GPU 장치를 잃었습니다 ({why}). 다시 실행하면 새 장치를 받습니다.',
  'your code threw: {message}': '코드에서 예외가 발생했습니다: {message}'
};
