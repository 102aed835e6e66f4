using System.ComponentModel;
using System.Security.Cryptography;
using System.Text;
using ModelContextProtocol;
using ModelContextProtocol.Server;

namespace Mcp.Server.Tools;

[McpServerToolType]
public sealed class HashTools
{
    private static readonly IReadOnlyDictionary<string, Func<byte[], byte[]>> Algorithms =
        new Dictionary<string, Func<byte[], byte[]>>(StringComparer.OrdinalIgnoreCase)
        {
            ["sha256"] = SHA256.HashData,
            ["sha384"] = SHA384.HashData,
            ["sha512"] = SHA512.HashData,
            ["sha1"] = SHA1.HashData,
            ["md5"] = MD5.HashData,
        };

    [McpServerTool(Name = "hash_text", Title = "Hash text", ReadOnly = true, Idempotent = true, OpenWorld = false)]
    [Description("Hashes the UTF-8 bytes of a text and returns the digest as lower-case hex.")]
    public static string HashText(
        [Description("The text to hash.")] string text,
        [Description("Hash algorithm: sha256 (default), sha384, sha512, sha1 or md5.")] string algorithm = "sha256")
    {
        if (!Algorithms.TryGetValue(algorithm, out var hash))
        {
            throw new McpException($"Unknown hash algorithm '{algorithm}'. Use one of: {string.Join(", ", Algorithms.Keys)}.");
        }

        return Convert.ToHexStringLower(hash(Encoding.UTF8.GetBytes(text)));
    }
}
