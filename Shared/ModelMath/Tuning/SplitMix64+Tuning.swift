internal import Foundation

extension SplitMix64 {
  /// A generator for one use in a study (a trial, a parameter), derived from the study's seed,
  /// so what a trial samples does not depend on how many draws other trials made.
  init(seed: UInt64, stream: UInt64, substream: UInt64 = 0) {
    var mixer = SplitMix64(seed: seed ^ 0x5851_F42D_4C95_7F2D)
    var second = SplitMix64(seed: mixer.next() ^ (stream &* 0x9E37_79B9_7F4A_7C15))
    self.init(seed: second.next() ^ (substream &* 0xD1B5_4A32_D192_ED03))
  }

  /// A standard normal deviate (Box–Muller).
  mutating func nextGaussian() -> Double {
    var u = self.nextUnit()
    while u <= 0 { u = self.nextUnit() }
    let v = self.nextUnit()
    return (-2 * log(u)).squareRoot() * cos(2 * Double.pi * v)
  }
}
