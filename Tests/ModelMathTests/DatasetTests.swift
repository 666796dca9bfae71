import ModelMath
import Testing

@Suite("Data sets and validation")
struct DatasetTests {
  @Test("Row-major and columnar construction agree")
  func layouts() throws {
    let byColumns = try FeatureMatrix(columns: [[1, 2, 3], [4, .nan, 6]])
    let byRows = try FeatureMatrix(rowMajor: [1, 4, 2, .nan, 3, 6], featureCount: 2)
    #expect(byColumns.rowCount == 3 && byColumns.featureCount == 2)
    #expect(byRows.row(2) == [3, 6])
    #expect(byColumns[0, 1] == 4)
    #expect(byRows[1, 1].isNaN && byColumns[1, 1].isNaN)
    #expect(byRows.rowMajorValues[4] == 3)
  }

  @Test("Empty input is refused")
  func empty() {
    let noRows = #expect(throws: ModelMathError.self) { try FeatureMatrix(columns: [[]]) }
    #expect(noRows?.code == .emptyDataset)
    let noColumns = #expect(throws: ModelMathError.self) { try FeatureMatrix(columns: []) }
    #expect(noColumns?.code == .emptyDataset)
  }

  @Test("Ragged columns and label counts are refused")
  func mismatched() throws {
    let ragged = #expect(throws: ModelMathError.self) {
      try FeatureMatrix(columns: [[1, 2], [1]])
    }
    #expect(ragged?.code == .mismatchedLengths)
    let matrix = try FeatureMatrix(columns: [[1, 2, 3]])
    let labels = #expect(throws: ModelMathError.self) {
      try Dataset(features: matrix, labels: [0, 1])
    }
    #expect(labels?.code == .mismatchedLengths)
    let weights = #expect(throws: ModelMathError.self) {
      try Dataset(features: matrix, labels: [0, 1, 0], weights: [1])
    }
    #expect(weights?.code == .mismatchedLengths)
  }

  @Test("NaN and infinite labels are refused", arguments: [Double.nan, .infinity, -.infinity])
  func badLabels(label: Double) throws {
    let matrix = try FeatureMatrix(columns: [[1, 2, 3]])
    let error = #expect(throws: ModelMathError.self) {
      try Dataset(features: matrix, labels: [0, label, 1])
    }
    #expect(error?.code == .invalidLabel)
  }

  @Test("Infinite features and negative weights are refused; NaN features are fine")
  func badValues() throws {
    let infinite = #expect(throws: ModelMathError.self) {
      try FeatureMatrix(columns: [[1, .infinity]])
    }
    #expect(infinite?.code == .invalidFeatureValue)
    let matrix = try FeatureMatrix(columns: [[.nan, 2]])
    let negative = #expect(throws: ModelMathError.self) {
      try Dataset(features: matrix, labels: [0, 1], weights: [1, -1])
    }
    #expect(negative?.code == .invalidFeatureValue)
    _ = try Dataset(features: matrix, labels: [0, 1], weights: [1, 0])
  }

  @Test("Class labels must be indices of at least two classes")
  func classLabels() throws {
    let matrix = try FeatureMatrix(columns: [[1, 2, 3]])
    #expect(try Dataset(features: matrix, labels: [0, 2, 1]).classCount() == 3)
    let single = #expect(throws: ModelMathError.self) {
      try Dataset(features: matrix, labels: [1, 1, 1]).classCount()
    }
    #expect(single?.code == .singleClass)
    let fractional = #expect(throws: ModelMathError.self) {
      try Dataset(features: matrix, labels: [0, 0.5, 1]).classCount()
    }
    #expect(fractional?.code == .invalidLabel)
    let negative = #expect(throws: ModelMathError.self) {
      try Dataset(features: matrix, labels: [0, -1, 1]).classCount()
    }
    #expect(negative?.code == .invalidLabel)
  }
}

@Suite("SplitMix64")
struct SplitMix64Tests {
  @Test("Matches the reference sequence for seed 0")
  func referenceSequence() {
    // First outputs of Vigna's splitmix64.c seeded with 0.
    var generator = SplitMix64(seed: 0)
    #expect(generator.next() == 0xE220_A839_7B1D_CDAF)
    #expect(generator.next() == 0x6E78_9E6A_A1B9_65F4)
    #expect(generator.next() == 0x06C4_5D18_8009_454F)
  }

  @Test("Streams are reproducible and distinct")
  func streams() {
    var first = SplitMix64.stream(seed: 42, index: 3)
    var again = SplitMix64.stream(seed: 42, index: 3)
    var other = SplitMix64.stream(seed: 42, index: 4)
    let a = (0..<4).map { _ in first.next() }
    #expect(a == (0..<4).map { _ in again.next() })
    #expect(a != (0..<4).map { _ in other.next() })
  }
}
