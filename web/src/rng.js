// The random draws of a take, as NumPy makes them, so that a seed plays the same take here as in Python.
//
// sklearn_groove draws a take (sklearn_groove.neural._runtime.onnx_take, _hvo.take_seeds, _hvo.take_draws) with
// NumPy's Generator (SeedSequence seeding, PCG64, Lemire's bounded integers, the float32 ziggurat for normals)
// and its legacy RandomState (MT19937, masked bounded integers). These are the same algorithms, written for
// JavaScript; tests/test_web.py checks them against NumPy's own draws (equal, but for a last bit in the rare tail of the
// normals, where C's log1pf and JavaScript's log1p may round one float32 apart).

const MASK64 = (1n << 64n) - 1n;
const MASK128 = (1n << 128n) - 1n;
const PCG_MULT = 0x2360ed051fc65da44385df649fccf645n;

// SeedSequence: an integer's 32-bit words mixed into a pool of 4, then hashed into the generator's state.
const INIT_A = 0x43b0d7e5, MULT_A = 0x931e8875, INIT_B = 0x8b51f9dd, MULT_B = 0x58f38ded;
const MIX_L = 0xca01f9dd, MIX_R = 0x4973f715;

function hashmix(value, hash) {
  value = (value ^ hash.v) >>> 0;
  hash.v = Math.imul(hash.v, MULT_A) >>> 0;
  value = Math.imul(value, hash.v) >>> 0;
  return (value ^ (value >>> 16)) >>> 0;
}

function mix(x, y) {
  const r = (Math.imul(MIX_L, x) - Math.imul(MIX_R, y)) >>> 0;
  return (r ^ (r >>> 16)) >>> 0;
}

function words(seed) {
  let s = BigInt(seed);
  if (s < 0n) throw new RangeError(`a seed is a non-negative integer, got ${seed}`);
  const out = [];
  do { out.push(Number(s & 0xffffffffn)); s >>= 32n; } while (s > 0n);
  return out;
}

/** The state words (uint32) NumPy's SeedSequence(seed).generate_state(n) gives. */
export function seedSequenceState(seed, n) {
  const entropy = words(seed), pool = [0, 0, 0, 0], hash = { v: INIT_A };
  for (let i = 0; i < 4; i++) pool[i] = hashmix(i < entropy.length ? entropy[i] : 0, hash);
  for (let src = 0; src < 4; src++)
    for (let dst = 0; dst < 4; dst++) if (src !== dst) pool[dst] = mix(pool[dst], hashmix(pool[src], hash));
  for (let src = 4; src < entropy.length; src++)
    for (let dst = 0; dst < 4; dst++) pool[dst] = mix(pool[dst], hashmix(entropy[src], hash));
  const out = new Array(n);
  let h = INIT_B;
  for (let i = 0; i < n; i++) {
    let v = (pool[i % 4] ^ h) >>> 0;
    h = Math.imul(h, MULT_B) >>> 0;
    v = Math.imul(v, h) >>> 0;
    out[i] = (v ^ (v >>> 16)) >>> 0;
  }
  return out;
}

/** NumPy's PCG64 bit generator (XSL-RR output), seeded as ``np.random.PCG64(seed)``. */
export class PCG64 {
  constructor(seed) {
    const w = seedSequenceState(seed, 8).map(BigInt);
    const u64 = (k) => w[2 * k] | (w[2 * k + 1] << 32n); // two uint32 words, little-endian
    const initState = (u64(0) << 64n) | u64(1), initSeq = (u64(2) << 64n) | u64(3);
    this.inc = ((initSeq << 1n) | 1n) & MASK128;
    this.state = 0n;
    this.step();
    this.state = (this.state + initState) & MASK128;
    this.step();
    this.half = null; // the high half of a 64-bit draw, kept for the next 32-bit one
  }

  step() { this.state = (this.state * PCG_MULT + this.inc) & MASK128; }

  next64() {
    this.step();
    const x = ((this.state >> 64n) ^ this.state) & MASK64, rot = this.state >> 122n;
    return ((x >> rot) | (x << ((64n - rot) & 63n))) & MASK64;
  }

  next32() {
    if (this.half !== null) { const h = this.half; this.half = null; return h; }
    const x = this.next64();
    this.half = Number(x >> 32n);
    return Number(x & 0xffffffffn);
  }
}

// The float32 ziggurat of NumPy's standard_normal(dtype=float32): 256 layers, built as Marsaglia and Tsang build
// them (r and v of the 256-layer table), in doubles, then stored in float32 and 23-bit integers.
const ZIG_R = 3.6541528853610088, ZIG_V = 0.00492867323399;
const KI = new Uint32Array(256), WI = new Float32Array(256), FI = new Float32Array(256);
(function build() {
  const m = 2 ** 23;
  let dn = ZIG_R, tn = dn;
  const q = ZIG_V / Math.exp(-0.5 * dn * dn);
  KI[0] = Math.trunc((dn / q) * m); KI[1] = 0;
  WI[0] = q / m; WI[255] = dn / m;
  FI[0] = 1; FI[255] = Math.exp(-0.5 * dn * dn);
  for (let i = 254; i >= 1; i--) {
    dn = Math.sqrt(-2 * Math.log(ZIG_V / dn + Math.exp(-0.5 * dn * dn)));
    KI[i + 1] = Math.trunc((dn / tn) * m);
    tn = dn;
    FI[i] = Math.exp(-0.5 * dn * dn);
    WI[i] = dn / m;
  }
})();
const f32 = Math.fround, R_F = f32(ZIG_R), INV_R_F = f32(1 / ZIG_R);

/** NumPy's Generator on PCG64: ``np.random.default_rng(seed)``, the draws sklearn_groove uses. */
export class Generator {
  constructor(seed) { this.bits = new PCG64(seed); }

  /** One integer in [0, high) as ``rng.integers(high)`` draws it (Lemire's method on 32 bits, high <= 2**32). */
  integers(high) {
    const range = high - 1;
    if (range === 0) return 0;
    if (range === 0xffffffff) return this.bits.next32();
    const excl = BigInt(range + 1);
    let m = BigInt(this.bits.next32()) * excl, left = Number(m & 0xffffffffn);
    if (left < range + 1) {
      const threshold = (0xffffffff - range) % (range + 1);
      while (left < threshold) { m = BigInt(this.bits.next32()) * excl; left = Number(m & 0xffffffffn); }
    }
    return Number(m >> 32n);
  }

  nextFloat() { return f32((this.bits.next32() >>> 8) * (1 / 16777216)); }

  /** ``count`` draws of ``rng.standard_normal(count, dtype=np.float32)``. */
  standardNormal(count) {
    const out = new Float32Array(count);
    for (let i = 0; i < count; i++) out[i] = this.normal();
    return out;
  }

  normal() {
    for (;;) {
      const r = this.bits.next32(), idx = r & 0xff, rabs = (r >>> 9) & 0x7fffff;
      let x = f32(rabs * WI[idx]);
      if ((r >>> 8) & 1) x = -x;
      if (rabs < KI[idx]) return x;
      if (idx === 0) {
        for (;;) {
          const xx = f32(-INV_R_F * f32(Math.log1p(-this.nextFloat())));
          const yy = f32(-f32(Math.log1p(-this.nextFloat())));
          if (f32(yy + yy) > f32(xx * xx)) return (rabs >>> 8) & 1 ? -f32(R_F + xx) : f32(R_F + xx);
        }
      }
      if (f32(f32((FI[idx - 1] - FI[idx]) * this.nextFloat()) + FI[idx]) < f32(Math.exp(f32(-0.5 * x * x)))) return x;
    }
  }
}

/** ``np.random.RandomState(seed).randint(high)``: MT19937 seeded the legacy way, masked bounded integers. */
export function legacyRandint(seed, high) {
  const mt = new Uint32Array(624);
  mt[0] = seed >>> 0;
  for (let i = 1; i < 624; i++) {
    const s = mt[i - 1] ^ (mt[i - 1] >>> 30);
    mt[i] = (Math.imul(1812433253, s) + i) >>> 0;
  }
  let pos = 624;
  const next = () => {
    if (pos >= 624) {
      for (let k = 0; k < 624; k++) {
        const y = (mt[k] & 0x80000000) | (mt[(k + 1) % 624] & 0x7fffffff);
        mt[k] = mt[(k + 397) % 624] ^ (y >>> 1) ^ (y & 1 ? 0x9908b0df : 0);
      }
      pos = 0;
    }
    let y = mt[pos++];
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  };
  const range = high - 1;
  let mask = range;
  for (let s = 1; s < 32; s <<= 1) mask |= mask >>> s;
  mask >>>= 0;
  let v;
  do { v = (next() & mask) >>> 0; } while (v > range);
  return v;
}
