package org.lantern.ui

import androidx.compose.foundation.isSystemInDarkTheme
import androidx.compose.material3.ColorScheme
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.darkColorScheme
import androidx.compose.material3.lightColorScheme
import androidx.compose.runtime.Composable
import androidx.compose.runtime.CompositionLocalProvider
import androidx.compose.ui.graphics.Color

/**
 * A warm palette, every role set so no Material default slips in. Text and background pairs
 * meet WCAG 2.1 AA (4.5:1), checked by ContrastTest. No dynamic (wallpaper) colour: its
 * contrast could not be guaranteed.
 */
val LightColors: ColorScheme = lightColorScheme(
    primary = Color(0xFF8A4B00), onPrimary = Color.White,
    primaryContainer = Color(0xFFFFDCC2), onPrimaryContainer = Color(0xFF2D1600),
    inversePrimary = Color(0xFFFFB870),
    secondary = Color(0xFF725A42), onSecondary = Color.White,
    secondaryContainer = Color(0xFFFFDCBE), onSecondaryContainer = Color(0xFF2A1707),
    tertiary = Color(0xFF4F5B33), onTertiary = Color.White,
    tertiaryContainer = Color(0xFFDAE9B4), onTertiaryContainer = Color(0xFF151F01),
    background = Color(0xFFFFFBF7), onBackground = Color(0xFF1F1B16),
    surface = Color(0xFFFFFBF7), onSurface = Color(0xFF1F1B16),
    surfaceVariant = Color(0xFFF2DFD1), onSurfaceVariant = Color(0xFF51443A),
    surfaceTint = Color(0xFF8A4B00),
    inverseSurface = Color(0xFF352F2B), inverseOnSurface = Color(0xFFF9EFE7),
    error = Color(0xFFB3261E), onError = Color.White,
    errorContainer = Color(0xFFF9DEDC), onErrorContainer = Color(0xFF410E0B),
    outline = Color(0xFF7A6B60), outlineVariant = Color(0xFFD6C3B6), scrim = Color.Black,
    surfaceBright = Color(0xFFFFFBF7), surfaceDim = Color(0xFFE3D8D0),
    surfaceContainerLowest = Color.White, surfaceContainerLow = Color(0xFFFCF2EA),
    surfaceContainer = Color(0xFFF6ECE4), surfaceContainerHigh = Color(0xFFF1E6DE),
    surfaceContainerHighest = Color(0xFFEBE1D9),
)

val DarkColors: ColorScheme = darkColorScheme(
    primary = Color(0xFFFFB870), onPrimary = Color(0xFF4A2800),
    primaryContainer = Color(0xFF693800), onPrimaryContainer = Color(0xFFFFDCC2),
    inversePrimary = Color(0xFF8A4B00),
    secondary = Color(0xFFE1C1A4), onSecondary = Color(0xFF402C18),
    secondaryContainer = Color(0xFF58422C), onSecondaryContainer = Color(0xFFFFDCBE),
    tertiary = Color(0xFFBECD9A), onTertiary = Color(0xFF2A3410),
    tertiaryContainer = Color(0xFF404B25), onTertiaryContainer = Color(0xFFDAE9B4),
    background = Color(0xFF1A1511), onBackground = Color(0xFFEBE1D9),
    surface = Color(0xFF1A1511), onSurface = Color(0xFFEBE1D9),
    surfaceVariant = Color(0xFF51443A), onSurfaceVariant = Color(0xFFD6C3B6),
    surfaceTint = Color(0xFFFFB870),
    inverseSurface = Color(0xFFEBE1D9), inverseOnSurface = Color(0xFF352F2B),
    error = Color(0xFFFFB4AB), onError = Color(0xFF690005),
    errorContainer = Color(0xFF93000A), onErrorContainer = Color(0xFFFFDAD6),
    outline = Color(0xFFA08D81), outlineVariant = Color(0xFF51443A), scrim = Color.Black,
    surfaceBright = Color(0xFF413731), surfaceDim = Color(0xFF1A1511),
    surfaceContainerLowest = Color(0xFF140F0B), surfaceContainerLow = Color(0xFF221A14),
    surfaceContainer = Color(0xFF261E18), surfaceContainerHigh = Color(0xFF31281F),
    surfaceContainerHighest = Color(0xFF3C332A),
)

/** Material 3 with Lantern's colours; type scales with the platform's font size setting. */
@Composable
fun LanternTheme(dark: Boolean = isSystemInDarkTheme(), content: @Composable () -> Unit) {
    MaterialTheme(colorScheme = if (dark) DarkColors else LightColors, content = content)
}

/** Theme and string table around the whole UI: what every platform shell draws first. */
@Composable
fun LanternRoot(strings: Strings, dark: Boolean = isSystemInDarkTheme(), content: @Composable () -> Unit) {
    CompositionLocalProvider(LocalStrings provides strings) {
        LanternTheme(dark, content)
    }
}
