package org.lantern.core

import android.os.Build
import android.security.keystore.KeyGenParameterSpec
import android.security.keystore.KeyPermanentlyInvalidatedException
import android.security.keystore.KeyProperties
import android.security.keystore.UserNotAuthenticatedException
import java.security.GeneralSecurityException
import java.security.KeyStore
import java.security.ProviderException
import javax.crypto.Cipher
import javax.crypto.KeyGenerator
import javax.crypto.SecretKey
import javax.crypto.spec.GCMParameterSpec
import uniffi.lantern.PlatformKeyException
import uniffi.lantern.PlatformKeyProvider

/**
 * The core's platform-key foreign trait backed by the Android Keystore: an AES-256-GCM key that
 * never leaves the secure hardware (StrongBox when the device has it) wraps the journal's data
 * key. With [requireBiometric], the key is usable only for [AUTH_WINDOW_SECONDS] after a strong
 * biometric prompt (the app shows it just before calling unlock), and it is invalidated when a
 * new fingerprint or face is enrolled, so the person then unlocks with the passphrase again.
 *
 * Android-only (this source set is not part of the desktop JVM build). Wrapped format:
 * version byte || 12-byte IV || ciphertext || tag. Both wrapping and unwrapping need the
 * biometric prompt first (a symmetric Keystore key that requires authentication needs it for
 * every use). Its failures are the core's typed `PlatformKeyException`, which the core maps to
 * the app's answer (cancelled: try again; key gone: ask for the passphrase).
 */
class KeystoreKeyProvider(
    private val alias: String,
    private val requireBiometric: Boolean,
) : PlatformKeyProvider {

    override fun wrapKey(key: ByteArray): ByteArray = guarded {
        val cipher = Cipher.getInstance(TRANSFORMATION)
        cipher.init(Cipher.ENCRYPT_MODE, secretKey(create = true))
        byteArrayOf(VERSION) + cipher.iv + cipher.doFinal(key)
    }

    override fun unwrapKey(wrapped: ByteArray): ByteArray = guarded {
        if (wrapped.size < 1 + IV_BYTES + TAG_BYTES || wrapped[0] != VERSION) {
            throw PlatformKeyException.Failed("platform-wrapped key has an unknown format")
        }
        val key = secretKey(create = false)
            ?: throw PlatformKeyException.KeyUnavailable("platform key is gone; unlock with the passphrase")
        val cipher = Cipher.getInstance(TRANSFORMATION)
        cipher.init(Cipher.DECRYPT_MODE, key, GCMParameterSpec(TAG_BYTES * 8, wrapped, 1, IV_BYTES))
        cipher.doFinal(wrapped, 1 + IV_BYTES, wrapped.size - 1 - IV_BYTES)
    }

    /** Removes the Keystore key (after "stop unlocking with biometrics"). */
    fun delete() {
        keyStore().deleteEntry(alias)
    }

    private fun keyStore(): KeyStore = KeyStore.getInstance(ANDROID_KEYSTORE).apply { load(null) }

    private fun secretKey(create: Boolean): SecretKey? {
        (keyStore().getKey(alias, null) as? SecretKey)?.let { return it }
        if (!create) return null
        if (Build.VERSION.SDK_INT < Build.VERSION_CODES.P) return generate(strongBox = false)
        return try {
            generate(strongBox = true)
        } catch (e: ProviderException) {
            // StrongBoxUnavailableException (API 28+) is a ProviderException: no secure element.
            generate(strongBox = false)
        }
    }

    private fun generate(strongBox: Boolean): SecretKey {
        val spec = KeyGenParameterSpec.Builder(alias, KeyProperties.PURPOSE_ENCRYPT or KeyProperties.PURPOSE_DECRYPT)
            .setBlockModes(KeyProperties.BLOCK_MODE_GCM)
            .setEncryptionPaddings(KeyProperties.ENCRYPTION_PADDING_NONE)
            .setKeySize(256)
            .apply {
                if (strongBox && Build.VERSION.SDK_INT >= Build.VERSION_CODES.P) setIsStrongBoxBacked(true)
                if (requireBiometric) {
                    setUserAuthenticationRequired(true)
                    setInvalidatedByBiometricEnrollment(true)
                    if (Build.VERSION.SDK_INT >= Build.VERSION_CODES.R) {
                        setUserAuthenticationParameters(AUTH_WINDOW_SECONDS, KeyProperties.AUTH_BIOMETRIC_STRONG)
                    } else {
                        @Suppress("DEPRECATION")
                        setUserAuthenticationValidityDurationSeconds(AUTH_WINDOW_SECONDS)
                    }
                }
            }
            .build()
        return KeyGenerator.getInstance(KeyProperties.KEY_ALGORITHM_AES, ANDROID_KEYSTORE).run {
            init(spec)
            generateKey()
        }
    }

    /** Keystore failures become the trait's typed errors; messages never carry key material. */
    private inline fun guarded(block: () -> ByteArray): ByteArray = try {
        block()
    } catch (e: PlatformKeyException) {
        throw e
    } catch (e: UserNotAuthenticatedException) {
        throw PlatformKeyException.Cancelled()
    } catch (e: KeyPermanentlyInvalidatedException) {
        delete()
        throw PlatformKeyException.KeyUnavailable("platform key invalidated by a biometric change")
    } catch (e: GeneralSecurityException) {
        throw PlatformKeyException.Failed("keystore: ${e.javaClass.simpleName}")
    }

    companion object {
        private const val ANDROID_KEYSTORE = "AndroidKeyStore"
        private const val TRANSFORMATION = "AES/GCM/NoPadding"
        private const val VERSION: Byte = 1
        private const val IV_BYTES = 12
        private const val TAG_BYTES = 16
        const val AUTH_WINDOW_SECONDS = 30

        /** The provider the app uses for the journal: biometric-gated. */
        fun forJournal() = KeystoreKeyProvider("org.lantern.journal.platform-key", requireBiometric = true)
    }
}
