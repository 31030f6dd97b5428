/**
 * The editor's declarations for AssemblyScript (`*.as.ts` files): its number types, memory
 * access, math and the f32x4/v128 SIMD built-ins the lessons use, written as TypeScript so that
 * Monaco's TypeScript service gives hovers, completion and no false errors on them. A curated
 * subset, not the compiler's own library (whose declarations redefine TypeScript's and would
 * clash with the lesson's `.ts` files): every name here is new to TypeScript's and the DOM's
 * globals. The compiler (runtime/simd/compile.ts) remains the judge; tests/unit/simd checks that
 * every lesson's `.as.ts` file type-checks against these declarations too.
 */
export const ASSEMBLYSCRIPT_TYPES = `
/** AssemblyScript (the simd backend's *.as.ts files): 32-bit integer. */
type i32 = number;
/** 32-bit unsigned integer. */
type u32 = number;
/** 64-bit integer (a bigint in JavaScript, a number here for the editor). */
type i64 = number;
/** 8- and 16-bit integers. */
type i8 = number;
type u8 = number;
type i16 = number;
type u16 = number;
/** 32-bit float: what tensors hold. */
type f32 = number;
/** 64-bit float. */
type f64 = number;
/** A byte address in the module's linear memory (32-bit). */
type usize = number;
type isize = number;
/** A 128-bit SIMD vector: four f32, four i32, eight i16 or sixteen i8 lanes. */
interface v128 { readonly __v128: unique symbol }

/** Convert to a 32-bit float. */
declare function f32(x: number): f32;
/** Convert to a 64-bit float. */
declare function f64(x: number): f64;
/** Convert (truncate) to a 32-bit integer. */
declare function i32(x: number): i32;
/** Convert to a 32-bit unsigned integer. */
declare function u32(x: number): u32;
/** Convert to a byte address. */
declare function usize(x: number): usize;

/** Read a value of type T at byte address ptr + offset (offset a constant). */
declare function load<T>(ptr: usize, offset?: usize): T;
/** Write a value of type T at byte address ptr + offset (offset a constant). */
declare function store<T>(ptr: usize, value: T, offset?: usize): void;
/** The smaller of two values of the same type. */
declare function min<T extends number>(a: T, b: T): T;
/** The larger of two values of the same type. */
declare function max<T extends number>(a: T, b: T): T;
/** Stop with a message (the lab reports it at this line) unless the condition holds. */
declare function assert<T>(condition: T, message?: string): T;
/** Trap: ends the call with an error. */
declare function unreachable(): never;
/** Allocate a managed block of size bytes (the lab's allocator uses id 1). */
declare function __new(size: usize, id: u32): usize;

/** The module's linear memory. */
declare namespace memory {
  /** Its size in 64 KiB pages. */
  function size(): i32;
  /** Grow by delta pages; returns the previous size, or -1 past the maximum. */
  function grow(delta: i32): i32;
  /** Set n bytes at dst to value. */
  function fill(dst: usize, value: u8, n: usize): void;
  /** Copy n bytes from src to dst. */
  function copy(dst: usize, src: usize, n: usize): void;
}

/** Math on f32 (Math works on f64). */
declare namespace Mathf {
  const E: f32;
  const PI: f32;
  function exp(x: f32): f32;
  function log(x: f32): f32;
  function sqrt(x: f32): f32;
  function abs(x: f32): f32;
  function max(a: f32, b: f32): f32;
  function min(a: f32, b: f32): f32;
  function floor(x: f32): f32;
  function pow(x: f32, y: f32): f32;
  function tanh(x: f32): f32;
}

/** Operations on any 128-bit vector. */
declare namespace v128 {
  /** Load 16 bytes at ptr + offset (offset a constant). */
  function load(ptr: usize, offset?: usize, align?: usize): v128;
  /** Store 16 bytes at ptr + offset (offset a constant). */
  function store(ptr: usize, value: v128, offset?: usize, align?: usize): void;
  /** Pick lanes of a (0 … n−1) and b (n … 2n−1) by constant indices; T sets the lane type. */
  function shuffle<T>(a: v128, b: v128, ...lanes: u8[]): v128;
  function splat<T>(x: T): v128;
  function and(a: v128, b: v128): v128;
  function or(a: v128, b: v128): v128;
  function xor(a: v128, b: v128): v128;
  function not(a: v128): v128;
  /** Lanes of a where mask bits are 1, else of b. */
  function bitselect(a: v128, b: v128, mask: v128): v128;
}

/** Four f32 lanes. */
declare namespace f32x4 {
  function splat(x: f32): v128;
  function extract_lane(a: v128, lane: u8): f32;
  function replace_lane(a: v128, lane: u8, x: f32): v128;
  function add(a: v128, b: v128): v128;
  function sub(a: v128, b: v128): v128;
  function mul(a: v128, b: v128): v128;
  function div(a: v128, b: v128): v128;
  function neg(a: v128): v128;
  function sqrt(a: v128): v128;
  function min(a: v128, b: v128): v128;
  function max(a: v128, b: v128): v128;
  function abs(a: v128): v128;
  /** Lane-wise comparisons: all ones where true. */
  function eq(a: v128, b: v128): v128;
  function lt(a: v128, b: v128): v128;
  function le(a: v128, b: v128): v128;
  function gt(a: v128, b: v128): v128;
  function ge(a: v128, b: v128): v128;
  function convert_i32x4_s(a: v128): v128;
}

/** Four i32 lanes. */
declare namespace i32x4 {
  function splat(x: i32): v128;
  function extract_lane(a: v128, lane: u8): i32;
  function add(a: v128, b: v128): v128;
  function sub(a: v128, b: v128): v128;
  function mul(a: v128, b: v128): v128;
  function shl(a: v128, b: i32): v128;
  function shr_s(a: v128, b: i32): v128;
  function trunc_sat_f32x4_s(a: v128): v128;
}
`;
