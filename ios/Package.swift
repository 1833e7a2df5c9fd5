// swift-tools-version:6.0
// Lantern's core for iOS as a Swift package (Swift 6 language mode, the tools-version default,
// so complete concurrency checking applies to the wrapper and the generated bindings):
// - LanternCoreFFI: the Rust core as an XCFramework (device + simulator static libraries with
//   the C header and module map), built by scripts/build-xcframework.sh;
// - LanternCore: the uniffi-generated Swift bindings, copied from target/bindings/swift by the
//   same script (never edited, never committed);
// - Lantern: the idiomatic wrapper (async/await, Swift errors, @Observable screen models, the
//   Keychain / Secure Enclave key provider) that the SwiftUI app (App/) draws. It re-exports
//   LanternCore, so `import Lantern` also names the core's records (SharingConnection, ...).
// iOS only: the XCFramework has no macOS slice.
import PackageDescription

let package = Package(
    name: "Lantern",
    platforms: [.iOS(.v17)],
    products: [
        .library(name: "Lantern", targets: ["Lantern"]),
    ],
    targets: [
        .binaryTarget(name: "LanternCoreFFI", path: "build/LanternCoreFFI.xcframework"),
        // The core's static library verifies certificates and reads the Keychain through
        // Security.framework; a static library cannot carry that link itself.
        .target(name: "LanternCore", dependencies: ["LanternCoreFFI"], path: "Sources/LanternCore",
                linkerSettings: [.linkedFramework("Security")]),
        .target(name: "Lantern", dependencies: ["LanternCore"], path: "Sources/Lantern",
                linkerSettings: [.linkedFramework("Security"), .linkedFramework("LocalAuthentication")]),
    ],
    swiftLanguageModes: [.v6]
)
