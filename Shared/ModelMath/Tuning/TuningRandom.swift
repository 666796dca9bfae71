internal import Foundation

/// SplitMix64, private to the tuning code for now.
///
/// The learners' shared `SplitMix64` is being written at the same time in another part of
/// ModelMath; this copy keeps tuning self-contained until the two are merged into one
/// generator (same algorithm, so seeds keep their meaning).
struct TuningRandom: RandomNumberGenerator, Sendable {
  private var state: UInt64

  /// A generator whose sequence depends only on `seed`.
  init(seed: UInt64) {
    self.state = seed
  }

  /// A generator for one use (a trial, a parameter) derived from a study seed, so what a
  /// trial samples does not depend on how many draws other trials made.
  init(seed: UInt64, stream: UInt64, substream: UInt64 = 0) {
    var mixer = TuningRandom(seed: seed ^ 0x5851_F42D_4C95_7F2D)
    var second = TuningRandom(seed: mixer.next() ^ (stream &* 0x9E37_79B9_7F4A_7C15))
    self.state = second.next() ^ (substream &* 0xD1B5_4A32_D192_ED03)
  }

  mutating func next() -> UInt64 {
    self.state &+= 0x9E37_79B9_7F4A_7C15
    var z = self.state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }

  /// A uniform double in [0, 1) with 53 random bits.
  mutating func nextUnit() -> Double {
    Double(self.next() >> 11) * 0x1p-53
  }

  /// A standard normal deviate (Box–Muller).
  mutating func nextGaussian() -> Double {
    var u = self.nextUnit()
    while u <= 0 { u = self.nextUnit() }
    let v = self.nextUnit()
    return (-2 * log(u)).squareRoot() * cos(2 * Double.pi * v)
  }
}
