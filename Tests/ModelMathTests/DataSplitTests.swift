import ModelMath
import Testing

@Suite("Train/test splits")
struct DataSplitTests {
  @Test("Temporal split orders by time and drops the gap")
  func temporal() throws {
    let times: [Double] = [5, 1, 9, 3, 7, 2, 8, 4, 6, 10]
    let plain = try DataSplit.temporal(times: times, testFraction: 0.3)
    #expect(plain.train.map { times[$0] } == [1, 2, 3, 4, 5, 6, 7])
    #expect(plain.test.map { times[$0] } == [8, 9, 10])
    let gapped = try DataSplit.temporal(times: times, testFraction: 0.3, gap: 2)
    #expect(gapped.test.map { times[$0] } == [9, 10])
    let tooBig = #expect(throws: ModelMathError.self) {
      try DataSplit.temporal(times: times, testFraction: 0.3, gap: 5)
    }
    #expect(tooBig?.code == .invalidHyperparameter)
  }

  @Test("K-fold tests every row once with fold sizes differing by at most one")
  func kFold() throws {
    var generator = SplitMix64(seed: 1)
    let splits = try DataSplit.kFold(rowCount: 23, folds: 5, using: &generator)
    #expect(splits.count == 5)
    #expect(splits.flatMap(\.test).sorted() == Array(0..<23))
    #expect(splits.map(\.test.count).sorted() == [4, 4, 5, 5, 5])
    for split in splits { #expect(Set(split.train).isDisjoint(with: split.test)) }
    #expect(splits.allSatisfy { $0.train.count + $0.test.count == 23 })
  }

  @Test("Stratified k-fold keeps class shares in every fold")
  func stratified() throws {
    let labels = (0..<100).map { $0 < 20 ? 1.0 : 0.0 }
    var generator = SplitMix64(seed: 2)
    let splits = try DataSplit.stratifiedKFold(labels: labels, folds: 4, using: &generator)
    #expect(splits.flatMap(\.test).sorted() == Array(0..<100))
    for split in splits {
      #expect(split.test.count == 25)
      #expect(split.test.filter { labels[$0] == 1 }.count == 5)
    }
    let tooFew = #expect(throws: ModelMathError.self) {
      try DataSplit.stratifiedKFold(labels: [0, 0, 0, 1], folds: 2, using: &generator)
    }
    #expect(tooFew?.code == .invalidHyperparameter)
  }

  @Test("Expanding window matches scikit-learn's TimeSeriesSplit")
  func expanding() throws {
    // TimeSeriesSplit(n_splits=3, gap=1) on 10 rows: train [0..2] test [4,5]; [0..4]/[6,7]; [0..6]/[8,9].
    let times = (0..<10).map { Double(9 - $0) }  // reverse time order: row 9 is earliest
    let splits = try DataSplit.expandingWindow(times: times, folds: 3, gap: 1)
    let ordered = splits.map { split in (split.train.map { 9 - $0 }, split.test.map { 9 - $0 }) }
    #expect(ordered[0].0 == [0, 1, 2] && ordered[0].1 == [4, 5])
    #expect(ordered[1].0 == [0, 1, 2, 3, 4] && ordered[1].1 == [6, 7])
    #expect(ordered[2].0 == Array(0...6) && ordered[2].1 == [8, 9])
  }

  @Test("Bad fold counts and empty input are refused")
  func badInput() {
    var generator = SplitMix64(seed: 3)
    let folds = #expect(throws: ModelMathError.self) {
      try DataSplit.kFold(rowCount: 3, folds: 4, using: &generator)
    }
    #expect(folds?.code == .invalidHyperparameter)
    let empty = #expect(throws: ModelMathError.self) {
      try DataSplit.temporal(times: [], testFraction: 0.2)
    }
    #expect(empty?.code == .emptyDataset)
  }
}
