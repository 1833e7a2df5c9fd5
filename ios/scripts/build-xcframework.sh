#!/usr/bin/env bash
# Builds Lantern's Rust core for iOS devices and simulators and packages it for Package.swift:
#   ios/build/LanternCoreFFI.xcframework   (static libraries + LanternCoreFFI.h + module map)
#   ios/Sources/LanternCore/LanternCore.swift (the generated Swift bindings)
# The bindings come from `cargo xtask bindings`, the same command that generates the Kotlin
# bindings for Android, so the two apps never drift from the core or from each other.
# Needs macOS with Xcode (xcodebuild, lipo) and rustup. Run from anywhere:
#   ios/scripts/build-xcframework.sh            # release build
#   PROFILE=ship ios/scripts/build-xcframework.sh  # size-optimised (LTO) profile
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
root="$(cd "$here/.." && pwd)"
profile="${PROFILE:-release}"
out="$here/build"
targets=(aarch64-apple-ios aarch64-apple-ios-sim x86_64-apple-ios)

command -v xcodebuild >/dev/null || { echo "build-xcframework: needs Xcode (xcodebuild)" >&2; exit 1; }

cd "$root"
echo "== bindings (host library, uniffi library mode): cargo xtask bindings"
cargo xtask bindings

echo "== core for ${targets[*]}"
rustup target add "${targets[@]}" >/dev/null
export IPHONEOS_DEPLOYMENT_TARGET=17.0
for t in "${targets[@]}"; do
  cargo rustc --profile "$profile" -p lantern-core --lib --crate-type staticlib --target "$t"
done

dir_of() { echo "$root/target/$1/$profile"; }

rm -rf "$out"
mkdir -p "$out/headers" "$out/ios-simulator"
cp "$root/target/bindings/swift/LanternCoreFFI.h" "$out/headers/"
# Inside an XCFramework the module map must be called module.modulemap.
cp "$root/target/bindings/swift/LanternCoreFFI.modulemap" "$out/headers/module.modulemap"

echo "== fat simulator library (arm64 + x86_64)"
lipo -create \
  "$(dir_of aarch64-apple-ios-sim)/liblantern_core.a" \
  "$(dir_of x86_64-apple-ios)/liblantern_core.a" \
  -output "$out/ios-simulator/liblantern_core.a"

echo "== XCFramework"
xcodebuild -create-xcframework \
  -library "$(dir_of aarch64-apple-ios)/liblantern_core.a" -headers "$out/headers" \
  -library "$out/ios-simulator/liblantern_core.a" -headers "$out/headers" \
  -output "$out/LanternCoreFFI.xcframework"

cp "$root/target/bindings/swift/LanternCore.swift" "$here/Sources/LanternCore/LanternCore.swift"
echo "build-xcframework: $out/LanternCoreFFI.xcframework and Sources/LanternCore/LanternCore.swift are ready"
