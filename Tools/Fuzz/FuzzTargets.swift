import ModelCodec
import RPCCore
import WireProtos

/// What the fuzzer exercises: the frame decoder and the decoder of every message of the API.
///
/// The first input byte picks the target; the rest is the data. Each target must not crash or
/// hang on any input, and what decodes must re-encode and decode to the same value.
enum FuzzTargets {
  static func run(_ input: [UInt8]) {
    guard let selector = input.first else { return }
    let data = Array(input.dropFirst())
    switch selector % 9 {
    case 0: Self.frames(data, preface: false)
    case 1: Self.frames(data, preface: true)
    case 2: Self.roundTrip(CallHeaders.self, data)
    case 3: Self.roundTrip(CallStatus.self, data)
    case 4: Self.roundTrip(GoAway.self, data)
    case 5: Self.roundTrip(ResponseHeaders.self, data)
    case 6: Self.roundTrip(EchoRequest.self, data)
    case 7:
      // Model files: must never crash, whatever the bytes (with the real header, to get past it).
      _ = try? ModelCodec.decode(ModelCodec.magic + [0, 0, 0, 1] + data, maxDecompressedBytes: 1 << 20)
    default:
      // Every message type of proto/dcmms/v1 at once.
      let unstable = data.withUnsafeBytes { ProtoCatalog.unstableReencodings(of: $0) }
      precondition(unstable.isEmpty, "unstable re-encoding: \(unstable)")
    }
  }

  /// Decodes `data` in two pieces split at a point the data chooses, and checks the frames
  /// equal those of a one-piece decode.
  private static func frames(_ data: [UInt8], preface: Bool) {
    let whole = Self.decodeFrames([data], preface: preface)
    let split = data.isEmpty ? 0 : Int(data[0]) % (data.count + 1)
    let pieces = Self.decodeFrames(
      [Array(data[..<split]), Array(data[split...])], preface: preface)
    precondition(
      whole.frames == pieces.frames && whole.failed == pieces.failed, "split decoding differs")
  }

  private static func decodeFrames(_ pieces: [[UInt8]], preface: Bool) -> (
    frames: [Frame], failed: Bool
  ) {
    var decoder = FrameDecoder(maxPayloadLength: 1 << 16, expectsPreface: preface)
    var frames: [Frame] = []
    for piece in pieces {
      decoder.append(piece)
      do {
        while let frame = try decoder.nextFrame() { frames.append(frame) }
      } catch {
        return (frames, true)
      }
    }
    return (frames, false)
  }

  private static func roundTrip<Message: ProtoMessage>(_ type: Message.Type, _ data: [UInt8]) {
    guard let message = try? Message(serializedBytes: data) else { return }
    let again = try? Message(serializedBytes: message.serializedBytes())
    precondition(again == message, "\(Message.self) does not survive a round trip")
  }
}
