import Foundation
import LanternCore
import LocalAuthentication
import Security

/// The core's platform-key foreign trait backed by the Secure Enclave: a P-256 key created in
/// the enclave (never extractable), usable only after Face ID / Touch ID with the currently
/// enrolled biometrics, wraps the journal's data key with ECIES (X9.63 SHA-256, AES-GCM).
/// Adding a new face or finger invalidates it; the person then unlocks with the passphrase.
/// On a simulator without an enclave it falls back to a Keychain key with the same access rule.
///
/// The Face ID prompt is the Keychain's own: using the key asks once, with `reason`. No
/// `LAContext` is created by the app and carried across an `await` (it is not Sendable); each
/// key use makes its own, on the core's thread, so the provider holds only Sendable values.
public final class KeychainKeyProvider: PlatformKeyProvider, Sendable {
    private let tag: Data
    private let reason: String
    private static let algorithm = SecKeyAlgorithm.eciesEncryptionCofactorVariableIVX963SHA256AESGCM

    /// `reason` is the text of the Face ID / Touch ID prompt.
    public init(tag: String = "org.lantern.journal.platform-key", reason: String) {
        self.tag = Data(tag.utf8)
        self.reason = reason
    }

    public func wrapKey(key: Data) throws -> Data {
        let priv = try privateKey(create: true)
        guard let pub = SecKeyCopyPublicKey(priv) else { throw PlatformKeyError.Failed(reason: "keychain: no public key") }
        var error: Unmanaged<CFError>?
        guard let wrapped = SecKeyCreateEncryptedData(pub, Self.algorithm, key as CFData, &error) else {
            throw PlatformKeyError.Failed(reason: "keychain: wrap failed")
        }
        return wrapped as Data
    }

    public func unwrapKey(wrapped: Data) throws -> Data {
        let priv = try privateKey(create: false)
        var error: Unmanaged<CFError>?
        guard let key = SecKeyCreateDecryptedData(priv, Self.algorithm, wrapped as CFData, &error) else {
            let code = (error?.takeRetainedValue()).map { CFErrorGetCode($0) } ?? 0
            // The person cancelled the biometric prompt, or it failed: not a wrong key.
            if code == errSecUserCanceled || code == LAError.userCancel.rawValue { throw PlatformKeyError.Cancelled }
            throw PlatformKeyError.KeyUnavailable(reason: "platform key refused")
        }
        return key as Data
    }

    /// Deletes the key (after "stop unlocking with Face ID").
    public func delete() {
        SecItemDelete([kSecClass: kSecClassKey, kSecAttrApplicationTag: tag] as CFDictionary)
    }

    private func privateKey(create: Bool) throws -> SecKey {
        var query: [CFString: Any] = [
            kSecClass: kSecClassKey, kSecAttrApplicationTag: tag,
            kSecAttrKeyType: kSecAttrKeyTypeECSECPrimeRandom, kSecReturnRef: true,
        ]
        let context = LAContext()
        context.localizedReason = reason
        query[kSecUseAuthenticationContext] = context
        var item: CFTypeRef?
        if SecItemCopyMatching(query as CFDictionary, &item) == errSecSuccess, let item {
            return (item as! SecKey) // swiftlint:disable:this force_cast (SecKey is a CF type)
        }
        guard create else { throw PlatformKeyError.KeyUnavailable(reason: "platform key is gone; unlock with the passphrase") }
        guard let access = SecAccessControlCreateWithFlags(nil, kSecAttrAccessibleWhenUnlockedThisDeviceOnly,
                                                           [.privateKeyUsage, .biometryCurrentSet], nil) else {
            throw PlatformKeyError.Failed(reason: "keychain: access control")
        }
        var attributes: [CFString: Any] = [
            kSecAttrKeyType: kSecAttrKeyTypeECSECPrimeRandom, kSecAttrKeySizeInBits: 256,
            kSecPrivateKeyAttrs: [kSecAttrIsPermanent: true, kSecAttrApplicationTag: tag, kSecAttrAccessControl: access],
        ]
        #if !targetEnvironment(simulator)
        attributes[kSecAttrTokenID] = kSecAttrTokenIDSecureEnclave
        #endif
        var error: Unmanaged<CFError>?
        guard let key = SecKeyCreateRandomKey(attributes as CFDictionary, &error) else {
            throw PlatformKeyError.Failed(reason: "keychain: key creation failed")
        }
        return key
    }
}
