import CFuzzerDriver
import Foundation
import FuzzTargets

// libFuzzer's loop over FuzzTargets.webhookBody (make fuzz): options and corpus directories as libFuzzer takes them.
var argc = CommandLine.argc
var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
exit(LLVMFuzzerRunDriver(&argc, &argv) { data, size in
    FuzzTargets.webhookBody(UnsafeRawBufferPointer(start: data, count: size))
    return 0
})
