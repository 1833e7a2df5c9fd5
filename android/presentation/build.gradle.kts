// Screen logic in plain Kotlin (no Android classes): one state holder per screen over the
// core wrapper, exposing StateFlow<UiState>. Compiled and tested on the desktop JVM against
// the real core (see ../pom.xml); the Compose app only draws these states.
plugins {
    alias(libs.plugins.android.library)
    alias(libs.plugins.kotlin.android)
}

android {
    namespace = "org.lantern.presentation"
    compileSdk = 36
    defaultConfig { minSdk = 26 }
    compileOptions {
        sourceCompatibility = JavaVersion.VERSION_17
        targetCompatibility = JavaVersion.VERSION_17
    }
    testOptions {
        unitTests.all {
            it.useJUnitPlatform()
            // Same working directory as the Maven build (android/), so relative paths agree.
            it.workingDir = rootDir
            it.systemProperty("jna.library.path", File(rootDir.parentFile, "target/release").path)
            it.systemProperty("lantern.androidDir", rootDir.path)
        }
    }
}

kotlin {
    jvmToolchain(17)
}

dependencies {
    api(project(":core-bindings"))
    api(libs.kotlinx.coroutines.core)

    testImplementation(libs.jna)
    testImplementation(platform(libs.junit.bom))
    testImplementation(libs.junit.jupiter)
    testRuntimeOnly(libs.junit.platform.launcher)
    testImplementation(libs.kotlin.test.junit5)
    testImplementation(libs.kotlinx.coroutines.test)
}
