import Foundation

/// Plain-text rendering of an `EvaluationReport`: the per-label table, the averages and the
/// confusion table, fixed-width, for terminals and logs.
public enum EvaluationTable {
    public static func render(_ report: EvaluationReport, title: String) -> String {
        var lines: [String] = []
        let width = max(14, (report.labels.map(\.label.count).max() ?? 0) + 2)
        lines.append("\(title) (\(report.examples) examples)")
        lines.append(pad("label", width) + "precision  recall     f1  support")
        for scores in report.labels where scores.support + scores.falsePositives > 0 {
            lines.append(pad(scores.label, width) + number(scores.precision, 9) + number(scores.recall, 8)
                + number(scores.f1, 7) + String(repeating: " ", count: 2) + leftPad(String(scores.support), 7))
        }
        lines.append(pad("micro avg", width) + number(report.microPrecision, 9) + number(report.microRecall, 8) + number(report.microF1, 7))
        lines.append(pad("macro avg", width) + number(report.macroPrecision, 9) + number(report.macroRecall, 8) + number(report.macroF1, 7))
        lines.append(pad("exact match", width) + number(report.exactMatchRate, 9))
        lines.append(pad("top-1", width) + number(report.topOneAccuracy, 9) + "  (first prediction among the gold labels, \(report.topOneExamples) examples)")
        lines.append(pad("no prediction", width) + number(report.unlabelledRate, 9) + "  (\(report.unlabelledPredictions) examples with nothing predicted)")
        lines.append("")
        lines.append("confusion (rows: gold, columns: predicted)")
        let names = report.labels.filter { $0.support + $0.falsePositives > 0 }.map(\.label) + [EvaluationReport.none]
        let cell = max(6, (names.map(\.count).max() ?? 0) + 1)
        let short = names.map { String($0.prefix(cell - 1)) }
        lines.append(pad("", width) + short.map { leftPad($0, cell) }.joined())
        for row in names {
            let counts = names.map { leftPad(String(report.confusion[row]?[$0] ?? 0), cell) }
            lines.append(pad(row, width) + counts.joined())
        }
        return lines.joined(separator: "\n")
    }

    private static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text + " " : text + String(repeating: " ", count: width - text.count)
    }

    private static func leftPad(_ text: String, _ width: Int) -> String {
        text.count >= width ? " " + text : String(repeating: " ", count: width - text.count) + text
    }

    private static func number(_ value: Double, _ width: Int) -> String {
        leftPad(String(format: "%.3f", value), width)
    }
}
