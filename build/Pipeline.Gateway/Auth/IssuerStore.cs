using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Pipeline.Manifests;

namespace Pipeline.Gateway.Auth;

/// <summary>
/// What the local issuer must remember beyond one gateway process: the clients that registered themselves (RFC 7591) and
/// the refresh tokens it handed out (as SHA-256 hashes only). With a file (<c>artifacts/&lt;env&gt;/local-issuer-state.json</c>,
/// beside the credentials, owner-only, written whole) a replacement gateway knows them too; without one (tests) they live in memory.
/// <para>
/// Every operation reads the file and writes it back under one lock: two gateways share the port for a moment during a
/// replacement, and this way neither works from a stale copy for long. The file is small (a development issuer has a
/// handful of clients), and expired refresh tokens are dropped at each write.
/// </para>
/// </summary>
public sealed class IssuerStore(string? path, TimeProvider clock)
{
    /// <summary>How long a refresh token is good for; Cognito's default too.</summary>
    public static readonly TimeSpan RefreshTokenLifetime = TimeSpan.FromDays(30);

    static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    readonly Lock gate = new();
    IssuerState memory = new([], []);

    public OAuthClient? FindClient(string clientId)
    {
        lock (gate)
            return Load().Clients.FirstOrDefault(c => c.ClientId == clientId);
    }

    public void AddClient(OAuthClient client)
    {
        lock (gate)
        {
            var state = Load();
            Save(state with { Clients = [.. state.Clients, client] });
        }
    }

    /// <summary>A new refresh token for a grant; <paramref name="family"/> ties it to the tokens it replaces and is replaced by.</summary>
    public string IssueRefreshToken(string clientId, string scope, string? resource, string? family = null)
    {
        var token = Base64Url(RandomNumberGenerator.GetBytes(32));
        lock (gate)
        {
            var state = Load();
            var record = new RefreshTokenRecord(Hash(token), family ?? Guid.NewGuid().ToString("N"), clientId, scope, resource,
                clock.GetUtcNow() + RefreshTokenLifetime, Revoked: false);
            Save(state with { RefreshTokens = [.. state.RefreshTokens, record] });
        }
        return token;
    }

    /// <summary>
    /// Takes a refresh token for <paramref name="clientId"/> in exchange for a new one (rotation): the presented token is
    /// revoked. A token that was revoked already is a replay, so its whole family (every token of that grant) is revoked.
    /// </summary>
    public RefreshOutcome Redeem(string token, string clientId)
    {
        var hash = Hash(token);
        lock (gate)
        {
            var state = Load();
            var record = state.RefreshTokens.FirstOrDefault(r => CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(r.TokenHash), Encoding.ASCII.GetBytes(hash)));
            if (record is null || record.ExpiresAt <= clock.GetUtcNow())
                return new RefreshOutcome(null, "The refresh token is unknown or expired; sign in again.");
            if (record.ClientId != clientId)
                return new RefreshOutcome(null, "The refresh token was issued to another client.");
            if (record.Revoked)
            {
                Save(state with { RefreshTokens = state.RefreshTokens.Select(r => r.Family == record.Family ? r with { Revoked = true } : r).ToList() });
                return new RefreshOutcome(null, "The refresh token was used before, so every token of its grant is revoked now (a replayed refresh token may be stolen); sign in again.");
            }
            Save(state with { RefreshTokens = state.RefreshTokens.Select(r => r == record ? r with { Revoked = true } : r).ToList() });
            return new RefreshOutcome(record, null);
        }
    }

    /// <summary>Revokes every refresh token of a grant (a reused authorization code's).</summary>
    public void RevokeFamily(string family)
    {
        lock (gate)
        {
            var state = Load();
            Save(state with { RefreshTokens = state.RefreshTokens.Select(r => r.Family == family ? r with { Revoked = true } : r).ToList() });
        }
    }

    IssuerState Load()
    {
        if (path is null || !File.Exists(path))
            return memory;
        try
        {
            return JsonSerializer.Deserialize<IssuerState>(File.ReadAllText(path), JsonOptions) ?? new IssuerState([], []);
        }
        catch (JsonException e)
        {
            throw new ManifestException($"The local issuer's state file {path} is not valid JSON ({e.Message}). Delete it: registered clients register again, and their users sign in again.");
        }
    }

    void Save(IssuerState state)
    {
        var now = clock.GetUtcNow();
        state = state with { RefreshTokens = state.RefreshTokens.Where(r => r.ExpiresAt > now).ToList() };
        if (path is null)
            memory = state;
        else
            OwnerOnlyFile.Replace(path, JsonSerializer.Serialize(state, JsonOptions));
    }

    static string Hash(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    internal static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}

/// <summary>The issuer's state file: registered clients and refresh-token hashes.</summary>
public sealed record IssuerState(IReadOnlyList<OAuthClient> Clients, IReadOnlyList<RefreshTokenRecord> RefreshTokens);

/// <summary>One refresh token, by hash; <paramref name="Family"/> names the grant (one sign-in) its chain of rotations belongs to.</summary>
public sealed record RefreshTokenRecord(
    string TokenHash, string Family, string ClientId, string Scope, string? Resource, DateTimeOffset ExpiresAt, bool Revoked);

/// <summary>The redeemed token's record, or why it cannot be redeemed (an <c>invalid_grant</c> description).</summary>
public sealed record RefreshOutcome(RefreshTokenRecord? Record, string? Problem);
