// swift-tools-version:5.9
// Lantern's core for iOS as a Swift package:
// - LanternCoreFFI: the Rust core as an XCFramework (device + simulator static libraries with
//   the C header and module map), built by scripts/build-xcframework.sh;
// - LanternCore: the uniffi-generated Swift bindings, copied from target/bindings/swift by the
//   same script (never edited, never committed);
// - Lantern: the idiomatic wrapper (async/await, Swift errors, @Observable screen models, the
//   Keychain / Secure Enclave key provider) that the SwiftUI app (App/) draws.
import PackageDescription

let package = Package(
    name: "Lantern",
    platforms: [.iOS(.v17), .macOS(.v14)],
    products: [
        .library(name: "Lantern", targets: ["Lantern"]),
    ],
    targets: [
        .binaryTarget(name: "LanternCoreFFI", path: "build/LanternCoreFFI.xcframework"),
        .target(name: "LanternCore", dependencies: ["LanternCoreFFI"], path: "Sources/LanternCore"),
        .target(name: "Lantern", dependencies: ["LanternCore"], path: "Sources/Lantern"),
    ]
)
