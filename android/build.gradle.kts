// Top-level build file: plugins are declared here once (from the version catalog) and applied
// in each module's own build.gradle.kts.
plugins {
    alias(libs.plugins.android.application) apply false
    alias(libs.plugins.android.library) apply false
    alias(libs.plugins.kotlin.android) apply false
    alias(libs.plugins.kotlin.jvm) apply false
    alias(libs.plugins.kotlin.compose) apply false
}

// `./gradlew -q printR8Version` shows the R8 that release builds use (must be 9.1.29 or later
// for Kotlin 2.4 metadata; pinned in settings.gradle.kts).
tasks.register("printR8Version") {
    doLast { println("R8 " + com.android.tools.r8.Version.getVersionString()) }
}
