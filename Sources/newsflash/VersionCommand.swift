import ArgumentParser
import RdKafka

/// `newsflash version`: what is running, and whether its librdkafka can talk to Tansu.
struct VersionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "version", abstract: "Print the Newsflash and librdkafka versions.")

    @OptionGroup var global: GlobalOptions

    func run() throws {
        try global.startLogging("newsflash.version")
        let runtime = LibrdkafkaVersion.runtime
        print("newsflash \(Newsflash.version)")
        print("librdkafka \(LibrdkafkaVersion.runtimeString) at run time (built against \(LibrdkafkaVersion.builtAgainst))")
        if runtime < .minimumForFlexibleApiVersions {
            print("warning: \(LibrdkafkaVersion.upgradeAdvice(runtime: runtime))")
        }
    }
}
