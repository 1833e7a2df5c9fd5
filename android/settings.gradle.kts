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
