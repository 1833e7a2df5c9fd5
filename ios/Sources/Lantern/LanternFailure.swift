import Foundation
import LanternCore

/// Everything a core call can fail with, one case per thing the app does differently. Mapped
/// from the generated `LanternError`; messages come from the core and hold no private data.
public enum LanternFailure: Error, Equatable, Sendable {
    case invalidInput(String)
    case notFound(String)
    case storage(String)
    case contentRejected(String)
    case notSetUp
    case alreadySetUp
    case locked
    case wrongPassphrase
    case wrongRecoveryCode
    case integrity(String)
    /// No active consent: never granted, revoked or expired.
    case consentRequired(String)
    /// The relay or network cannot be reached; nothing was lost, try again later.
    case relayDown(String)
    case relayRejected(String)
    case cancelled
    case `internal`(String)
    /// The device has no time zone database the core can read (reminders, recovery days).
    case timeZoneDataMissing(String)

    init(_ error: LanternError) {
        switch error {
        case .InvalidInput(let m): self = .invalidInput(m)
        case .NotFound(let m): self = .notFound(m)
        case .Storage(let m): self = .storage(m)
        case .ContentRejected(let m): self = .contentRejected(m)
        case .NotSetUp: self = .notSetUp
        case .AlreadySetUp: self = .alreadySetUp
        case .Locked: self = .locked
        case .WrongPassphrase: self = .wrongPassphrase
        case .WrongRecoveryCode: self = .wrongRecoveryCode
        case .Integrity(let m): self = .integrity(m)
        case .ConsentRequired(let m): self = .consentRequired(m)
        case .Network(let m): self = .relayDown(m)
        case .RelayRejected(let m): self = .relayRejected(m)
        case .Cancelled: self = .cancelled
        case .Internal(let m): self = .internal(m)
        case .TimeZoneDataMissing(let m): self = .timeZoneDataMissing(m)
        }
    }
}

/// What a screen shows when something went wrong; each case has a key in Localizable.strings.
public enum UIError: String, Equatable, Sendable {
    case wrongPassphrase, wrongRecoveryCode, locked, notSetUp, alreadySetUp, consentRevoked, relayDown,
         relayRejected, notFound, invalidInput, contentRejected, damaged, storage, cancelled, unexpected,
         passphraseTooShort, passphraseTooCommon, passphrasesDiffer, emptyText, moodMissing, emptyQuery, purposeMissing,
         noScopeChosen, expiryOutOfRange, nameMissing, inviteMissing

    /// The Localizable.strings key of the message.
    public var key: String { "error.\(rawValue)" }

    public init(_ failure: Error) {
        guard let f = failure as? LanternFailure else { self = .unexpected; return }
        switch f {
        case .wrongPassphrase: self = .wrongPassphrase
        case .wrongRecoveryCode: self = .wrongRecoveryCode
        case .locked: self = .locked
        case .notSetUp: self = .notSetUp
        case .alreadySetUp: self = .alreadySetUp
        case .consentRequired: self = .consentRevoked
        case .relayDown: self = .relayDown
        case .relayRejected: self = .relayRejected
        case .notFound: self = .notFound
        case .invalidInput: self = .invalidInput
        case .contentRejected: self = .contentRejected
        case .integrity: self = .damaged
        case .storage: self = .storage
        case .cancelled: self = .cancelled
        case .internal, .timeZoneDataMissing: self = .unexpected
        }
    }
}
