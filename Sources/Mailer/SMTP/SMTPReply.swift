import NIOCore

/// One server reply: a three-digit code and its lines of text (several for a multi-line reply).
struct SMTPReply: Sendable, Equatable {
    var code: Int
    var lines: [String]

    var text: String { lines.joined(separator: " / ") }
    var isPositive: Bool { (200..<400).contains(code) }
}

/// Splits the server's bytes into replies (RFC 5321 4.2): `250-first`, `250-second`, `250 last`.
struct SMTPReplyDecoder: ByteToMessageDecoder {
    typealias InboundOut = SMTPReply

    /// Longer reply lines mean a broken or hostile server.
    static let maxLineLength = 4096
    private var lines: [String] = []

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let reply = try Self.nextReply(from: &buffer, pending: &lines) else { return .needMoreData }
        context.fireChannelRead(Self.wrapInboundOut(reply))
        return .continue
    }

    mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        try decode(context: context, buffer: &buffer)
    }

    /// Takes complete lines from `buffer` until a reply is complete; pure, for tests.
    static func nextReply(from buffer: inout ByteBuffer, pending lines: inout [String]) throws -> SMTPReply? {
        while let newline = buffer.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) {
            let length = newline - buffer.readerIndex
            var line = buffer.readString(length: length) ?? ""
            buffer.moveReaderIndex(forwardBy: 1)
            if line.hasSuffix("\r") { line.removeLast() }
            let bytes = Array(line.utf8)
            guard bytes.count >= 3, let code = Int(String(decoding: bytes[0..<3], as: UTF8.self)), (200...599).contains(code)
            else { throw SMTPError(.protocolViolation, message: "the server sent a line that is not an SMTP reply") }
            let text = bytes.count > 4 ? String(decoding: bytes[4...], as: UTF8.self) : ""
            lines.append(text)
            if bytes.count == 3 || bytes[3] == UInt8(ascii: " ") {
                defer { lines = [] }
                return SMTPReply(code: code, lines: lines)
            }
            guard bytes[3] == UInt8(ascii: "-") else {
                throw SMTPError(.protocolViolation, message: "the server sent a malformed reply line")
            }
        }
        if buffer.readableBytes > maxLineLength {
            throw SMTPError(.protocolViolation, message: "the server sent a reply line longer than \(maxLineLength) bytes")
        }
        return nil
    }
}
