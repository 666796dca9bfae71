/// A small, fast, seedable random number generator (Steele, Lea and Flood's SplitMix64).
///
/// Every random choice in ModelMath goes through one of these, so a model trained with the same
/// seed on the same data is identical on every machine. Not cryptographic.
package struct SplitMix64: RandomNumberGenerator, Sendable, Hashable {
  private var state: UInt64

  /// Creates a generator whose sequence is fixed by `seed`.
  /// - Parameter seed: any value; equal seeds give equal sequences.
  package init(seed: UInt64) {
    self.state = seed
  }

  /// Returns the next 64 random bits. O(1).
  package mutating func next() -> UInt64 {
    self.state &+= 0x9E37_79B9_7F4A_7C15
    var z = self.state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }

  /// A generator for the `index`-th independent stream of `seed` (one per tree, per fold…).
  ///
  /// Streams depend only on `seed` and `index`, never on thread scheduling.
  /// - Parameters:
  ///   - seed: the model's seed.
  ///   - index: the stream number.
  /// - Returns: a generator independent of the other streams for practical purposes.
  package static func stream(seed: UInt64, index: Int) -> SplitMix64 {
    var mixer = SplitMix64(
      seed: seed ^ (UInt64(truncatingIfNeeded: index) &* 0xD1B5_4A32_D192_ED03))
    return SplitMix64(seed: mixer.next())
  }

  /// A uniform double in [0, 1) with 53 random bits.
  mutating func nextUnit() -> Double {
    Double(self.next() >> 11) * 0x1.0p-53
  }

  /// A uniform integer in `0..<bound`; `bound` must be positive. Lemire's method.
  mutating func nextIndex(below bound: Int) -> Int {
    precondition(bound > 0)
    let product = self.next().multipliedFullWidth(by: UInt64(bound))
    return Int(product.high)
  }
}
