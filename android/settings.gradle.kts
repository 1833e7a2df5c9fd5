// Lantern for Android. Open this directory in Android Studio, or run ./gradlew from here.
// Before the first build: `cargo xtask bindings` (generates the Kotlin bindings) and
// `./gradlew :core-bindings:buildCoreForAndroid` (builds the core for the device ABIs with
// cargo-ndk). See README.md.
pluginManagement {
    repositories {
        google()
        mavenCentral()
        gradlePluginPortal()
    }
    // R8 pinned over the one AGP bundles: Kotlin 2.4 class metadata needs R8 9.1.29 or later
    // (developer.android.com/build/kotlin-support), which AGP 8.13 does not bundle. An R8 on
    // the settings classpath wins over AGP's. Why not AGP 9: see README.md "Build settings".
    buildscript {
        repositories { google() }
        dependencies { classpath("com.android.tools:r8:9.1.29") }
    }
}

plugins {
    // Downloads the JDK 17 toolchain the modules ask for (jvmToolchain(17)) when the machine
    // has only another JDK, e.g. Android Studio's bundled JBR 21.
    id("org.gradle.toolchains.foojay-resolver-convention") version "1.0.0"
}

dependencyResolutionManagement {
    repositoriesMode.set(RepositoriesMode.FAIL_ON_PROJECT_REPOS)
    repositories {
        google()
        mavenCentral()
    }
}

rootProject.name = "lantern"

include(":core-bindings")
include(":presentation")
include(":ui")
include(":app")
