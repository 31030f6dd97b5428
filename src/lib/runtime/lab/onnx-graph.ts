/**
 * A small ONNX graph builder with static shapes, and its serialisation to a ModelProto (opset 13).
 * Shapes are inferred as nodes are added, so a mistake ("matmul: [8, 16] × [8, 16]: inner
 * dimensions 16 and 8 differ") is reported where the learner wrote it, not deep inside onnxruntime.
 * Field numbers follow onnx/onnx.proto.
 */
import type { Graph, Value } from 'lab';
import protobuf from 'protobufjs/minimal.js';
import { apiError } from './errors';

type ElemType = Value['type'];
const ONNX_TYPE: Record<ElemType, number> = { float32: 1, int64: 7, bool: 9 };

interface Attr {
  name: string;
  ints?: number[];
  i?: number;
}
interface Node {
  op: string;
  inputs: string[];
  output: string;
  attrs: Attr[];
}
interface Init {
  name: string;
  shape: number[];
  type: ElemType;
  values: number[];
}

export interface BuiltGraph extends Graph {
  readonly inputs: Value[];
  readonly outputs: Value[];
  /** Every value in the graph (inputs, constants, intermediates, outputs). */
  readonly values: Value[];
  /** Op types of the nodes, in order. */
  readonly ops: string[];
  serialize(): Uint8Array;
}

/**
 * What the lab runs and records for a graph, out of the learner's reach: the graph object's own
 * properties are copies, and replacing its methods changes nothing here. Values are frozen.
 */
export interface GraphState {
  readonly inputs: readonly Value[];
  readonly outputs: readonly Value[];
  readonly values: readonly Value[];
  ops(): string[];
  /** Changes whenever a node, input or output is added (for caching the serialised model). */
  version(): number;
  serialize(): Uint8Array;
}

const states = new WeakMap<object, GraphState>();

/** The state of a graph made by `createGraph`, or undefined for anything else. */
export function graphState(g: unknown): GraphState | undefined {
  return g && typeof g === 'object' ? states.get(g) : undefined;
}

const sz = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);
const show = (s: readonly number[]) => `[${s.join(', ')}]`;

function broadcast(op: string, a: readonly number[], b: readonly number[]): number[] {
  const n = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const x = a[a.length - n + i] ?? 1;
    const y = b[b.length - n + i] ?? 1;
    if (x !== y && x !== 1 && y !== 1) {
      throw apiError(`${op}: shapes ${show(a)} and ${show(b)} do not broadcast (axis ${i}: ${x} vs ${y})`);
    }
    out.push(Math.max(x, y));
  }
  return out;
}

export function createGraph(): BuiltGraph {
  const nodes: Node[] = [];
  const inits: Init[] = [];
  const inputs: Value[] = [];
  const outputs: Value[] = [];
  const values: Value[] = [];
  let counter = 0;

  const value = (name: string, shape: readonly number[], type: ElemType): Value => {
    const v: Value = Object.freeze({ name, shape: Object.freeze([...shape]), type });
    values.push(v);
    return v;
  };
  const node = (op: string, ins: Value[], shape: number[], type: ElemType, attrs: Attr[] = []): Value => {
    const out = value(`${op.toLowerCase()}_${counter++}`, shape, type);
    nodes.push({ op, inputs: ins.map((v) => v.name), output: out.name, attrs });
    return out;
  };
  const constant = (vals: readonly number[], shape: readonly number[], type: ElemType): Value => {
    if (vals.length !== sz(shape)) throw apiError(`constant: ${vals.length} values do not fill shape ${show(shape)}`);
    const v = value(`const_${counter++}`, shape, type);
    inits.push({ name: v.name, shape: [...shape], type, values: [...vals] });
    return v;
  };
  const axisOf = (op: string, x: Value, axis: number) => {
    const a = axis < 0 ? axis + x.shape.length : axis;
    if (a < 0 || a >= x.shape.length) throw apiError(`${op}: axis ${axis} is out of range for shape ${show(x.shape)}`);
    return a;
  };
  const binary = (op: string) => (a: Value, b: Value) => node(op, [a, b], broadcast(op, a.shape, b.shape), a.type);
  const reduce = (op: 'ReduceMax' | 'ReduceSum') => (x: Value, axis: number) => {
    const a = axisOf(op, x, axis);
    const shape = x.shape.map((s, i) => (i === a ? 1 : s));
    // Opset 13 takes ReduceSum's axes as an input but ReduceMax's as an attribute.
    if (op === 'ReduceSum')
      return node(op, [x, constant([a], [1], 'int64')], shape, x.type, [{ name: 'keepdims', i: 1 }]);
    return node(op, [x], shape, x.type, [
      { name: 'axes', ints: [a] },
      { name: 'keepdims', i: 1 }
    ]);
  };

  const serializeGraph = () => {
    if (outputs.length === 0) throw apiError('the graph has no outputs: call graph.output(value)');
    return serialize(nodes, inits, inputs, outputs);
  };
  const g: BuiltGraph = {
    get inputs() {
      return [...inputs];
    },
    get outputs() {
      return [...outputs];
    },
    get values() {
      return [...values];
    },
    get ops() {
      return nodes.map((n) => n.op);
    },
    input(name, shape) {
      if (values.some((v) => v.name === name)) throw apiError(`graph input '${name}' is defined twice`);
      const v = value(name, shape, 'float32');
      inputs.push(v);
      return v;
    },
    constant(vals, shape) {
      const list = typeof vals === 'number' ? [vals] : [...vals];
      return constant(list, shape ?? (typeof vals === 'number' ? [] : [list.length]), 'float32');
    },
    matmul(a, b) {
      if (a.shape.length < 2 || b.shape.length < 2)
        throw apiError(`matmul needs two matrices, got ${show(a.shape)} and ${show(b.shape)}`);
      const k1 = a.shape[a.shape.length - 1];
      const k2 = b.shape[b.shape.length - 2];
      if (k1 !== k2) {
        throw apiError(`matmul: ${show(a.shape)} × ${show(b.shape)}: inner dimensions ${k1} and ${k2} differ`);
      }
      const batch = broadcast('matmul', a.shape.slice(0, -2), b.shape.slice(0, -2));
      return node('MatMul', [a, b], [...batch, a.shape[a.shape.length - 2], b.shape[b.shape.length - 1]], 'float32');
    },
    transpose(x, perm) {
      const p = perm ? [...perm] : x.shape.map((_, i) => x.shape.length - 1 - i);
      if (p.length !== x.shape.length || [...p].sort().some((v, i) => v !== i)) {
        throw apiError(`transpose: perm [${p.join(', ')}] is not a permutation of the ${x.shape.length} axes`);
      }
      return node(
        'Transpose',
        [x],
        p.map((i) => x.shape[i]),
        x.type,
        [{ name: 'perm', ints: p }]
      );
    },
    add: binary('Add'),
    sub: binary('Sub'),
    mul: binary('Mul'),
    div: binary('Div'),
    exp: (x) => node('Exp', [x], [...x.shape], x.type),
    softmax: (x, axis = -1) =>
      node('Softmax', [x], [...x.shape], x.type, [{ name: 'axis', i: axisOf('softmax', x, axis) }]),
    reduceMax: reduce('ReduceMax'),
    reduceSum: reduce('ReduceSum'),
    range(n) {
      if (!Number.isInteger(n) || n < 0) throw apiError(`range: n must be a non-negative integer, got ${n}`);
      const c = (x: number) => constant([x], [], 'int64');
      return node('Range', [c(0), c(n), c(1)], [n], 'int64');
    },
    reshape(x, shape) {
      if (sz(shape) !== sz(x.shape)) throw apiError(`reshape: ${show(x.shape)} cannot become ${show(shape)}`);
      return node('Reshape', [x, constant([...shape], [shape.length], 'int64')], [...shape], x.type);
    },
    less: (a, b) => node('Less', [a, b], broadcast('less', a.shape, b.shape), 'bool'),
    where(cond, a, b) {
      if (cond.type !== 'bool') throw apiError(`where: the condition must be bool (from less), got ${cond.type}`);
      const shape = broadcast('where', broadcast('where', cond.shape, a.shape), b.shape);
      return node('Where', [cond, a, b], shape, a.type);
    },
    output(x) {
      if (!values.includes(x)) throw apiError('output: that value was not made by this graph');
      if (!outputs.includes(x)) outputs.push(x);
    },
    serialize: serializeGraph
  };
  states.set(g, {
    inputs,
    outputs,
    values,
    ops: () => nodes.map((n) => n.op),
    version: () => nodes.length + inputs.length + outputs.length + values.length,
    serialize: serializeGraph
  });
  return g;
}

function serialize(nodes: Node[], inits: Init[], inputs: Value[], outputs: Value[]): Uint8Array {
  const w = protobuf.Writer.create();
  const LEN = 2;
  const VARINT = 0;
  const tag = (field: number, wire: number) => w.uint32((field << 3) | wire);
  const str = (field: number, s: string) => tag(field, LEN).string(s);

  const valueInfo = (field: number, v: Value) => {
    tag(field, LEN).fork();
    str(1, v.name);
    tag(2, LEN).fork(); // TypeProto
    tag(1, LEN).fork(); // TypeProto.Tensor
    tag(1, VARINT).int32(ONNX_TYPE[v.type]);
    tag(2, LEN).fork(); // TensorShapeProto
    for (const d of v.shape) {
      tag(1, LEN).fork();
      tag(1, VARINT).int64(d);
      w.ldelim();
    }
    w.ldelim().ldelim().ldelim().ldelim();
  };

  tag(1, VARINT).int64(7); // ir_version 7 goes with opset 13
  str(2, 'speedlab');
  tag(7, LEN).fork(); // graph
  for (const n of nodes) {
    tag(1, LEN).fork();
    for (const i of n.inputs) str(1, i);
    str(2, n.output);
    str(3, n.output);
    str(4, n.op);
    for (const a of n.attrs) {
      tag(5, LEN).fork();
      str(1, a.name);
      if (a.ints) {
        tag(8, LEN).fork();
        for (const x of a.ints) w.int64(x);
        w.ldelim();
        tag(20, VARINT).int32(7); // INTS
      } else {
        tag(3, VARINT).int64(a.i ?? 0);
        tag(20, VARINT).int32(2); // INT
      }
      w.ldelim();
    }
    w.ldelim();
  }
  str(2, 'graph');
  for (const c of inits) {
    tag(5, LEN).fork();
    for (const d of c.shape) tag(1, VARINT).int64(d);
    tag(2, VARINT).int32(ONNX_TYPE[c.type]);
    str(8, c.name);
    const raw =
      c.type === 'int64'
        ? new Uint8Array(BigInt64Array.from(c.values, (x) => BigInt(x)).buffer)
        : c.type === 'bool'
          ? Uint8Array.from(c.values, (x) => (x ? 1 : 0))
          : new Uint8Array(Float32Array.from(c.values).buffer);
    tag(9, LEN).bytes(raw);
    w.ldelim();
  }
  for (const v of inputs) valueInfo(11, v);
  for (const v of outputs) valueInfo(12, v);
  w.ldelim();
  tag(8, LEN).fork(); // opset_import
  str(1, '');
  tag(2, VARINT).int64(13);
  w.ldelim();
  return w.finish();
}

/** Bytes of every tensor the graph holds while it runs (no reuse assumed): what a run allocates. */
export function graphBytes(g: { readonly values: readonly Value[] }): number {
  const bytesOf = (v: Value) => sz(v.shape) * (v.type === 'float32' ? 4 : v.type === 'int64' ? 8 : 1);
  return g.values.reduce((a, v) => a + bytesOf(v), 0);
}
