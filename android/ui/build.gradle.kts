// The Compose Multiplatform screens shared with Lantern Desktop, as an Android library: the
// same androidx.compose.* sources (src/main/kotlin) against Jetpack Compose, and the string
// tables (src/main/resources/strings, Java resources read by org.lantern.ui.Strings). The
// desktop app (src/desktopMain) and the JVM tests build with Maven (../pom.xml) only.
plugins {
    alias(libs.plugins.android.library)
    alias(libs.plugins.kotlin.android)
    alias(libs.plugins.kotlin.compose)
}

android {
    namespace = "org.lantern.ui"
    compileSdk = 36
    defaultConfig { minSdk = 26 }
    compileOptions {
        sourceCompatibility = JavaVersion.VERSION_17
        targetCompatibility = JavaVersion.VERSION_17
    }
    buildFeatures { compose = true }
    sourceSets {
        getByName("main") {
            kotlin.srcDirs("src/main/kotlin")
            resources.srcDirs("src/main/resources")
        }
    }
}

kotlin {
    jvmToolchain(17)
    compilerOptions { optIn.add("androidx.compose.material3.ExperimentalMaterial3Api") }
}

dependencies {
    api(project(":presentation"))
    implementation(platform(libs.androidx.compose.bom))
    api(libs.androidx.compose.ui)
    api(libs.androidx.compose.foundation)
    api(libs.androidx.compose.material3)
    implementation(libs.androidx.compose.material.icons.core)
    implementation(libs.zxing.core)
}
