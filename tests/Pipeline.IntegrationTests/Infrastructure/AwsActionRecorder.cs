using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using System.Web;

namespace Pipeline.IntegrationTests.Infrastructure;

/// <summary>
/// A pass-through HTTP proxy in front of moto that writes down the IAM action of every AWS call through it
/// (<c>cloudformation:CreateChangeSet</c>, <c>s3:PutObject</c>, ...), so a test can check a run against a role's policy.
/// The service comes from the SigV4 credential scope; the action from <c>X-Amz-Target</c>, the query protocol's
/// <c>Action</c>, or, for S3's REST API, from the method, path and sub-resource. Bodies travel byte for byte.
/// </summary>
public sealed partial class AwsActionRecorder : IAsyncDisposable
{
    readonly LoopbackHttpListener listener;
    readonly HttpClient upstream = new(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false });
    readonly Uri target;
    readonly ConcurrentQueue<string> actions = new();

    public AwsActionRecorder(Uri target)
    {
        this.target = target;
        listener = new LoopbackHttpListener(HandleAsync);
    }

    public Uri Endpoint => listener.Endpoint;

    /// <summary>Every action so far, in order, e.g. <c>cloudformation:DescribeStacks</c>.</summary>
    public IReadOnlyList<string> Actions => actions.ToList();

    /// <summary>Forgets what was recorded: the next run's actions start from here.</summary>
    public void Clear() => actions.Clear();

    async Task HandleAsync(HttpListenerContext context)
    {
        var request = context.Request;
        try
        {
            using var buffer = new MemoryStream();
            await request.InputStream.CopyToAsync(buffer);
            var body = buffer.ToArray();
            actions.Enqueue(ActionOf(request, body));

            using var forward = new HttpRequestMessage(new HttpMethod(request.HttpMethod), new Uri(target, request.RawUrl));
            forward.Content = new ByteArrayContent(body);
            foreach (var name in request.Headers.AllKeys.OfType<string>())
            {
                if (name is "Host" or "Content-Length" or "Connection" or "Expect" or "Transfer-Encoding")
                    continue;
                var value = request.Headers[name]!;
                if (name.StartsWith("Content-", StringComparison.OrdinalIgnoreCase))
                    forward.Content.Headers.TryAddWithoutValidation(name, value);
                else
                    forward.Headers.TryAddWithoutValidation(name, value);
            }
            using var response = await upstream.SendAsync(forward);
            var answer = await response.Content.ReadAsByteArrayAsync();
            context.Response.StatusCode = (int)response.StatusCode;
            foreach (var (name, values) in response.Headers.Concat(response.Content.Headers))
            {
                if (name is "Content-Length" or "Transfer-Encoding" or "Connection" or "Server" or "Date")
                    continue;
                if (name == "Content-Type")
                    context.Response.ContentType = string.Join(",", values);
                else
                    context.Response.Headers[name] = string.Join(",", values);
            }
            context.Response.ContentLength64 = answer.Length;
            if (request.HttpMethod != "HEAD")
                await context.Response.OutputStream.WriteAsync(answer);
            context.Response.Close();
        }
        catch (Exception e)
        {
            try
            {
                context.Response.StatusCode = 502;
                await context.Response.OutputStream.WriteAsync(Encoding.UTF8.GetBytes("recording proxy failure: " + e.Message));
                context.Response.Close();
            }
            catch (Exception)
            {
                // The client went away; nothing left to tell it.
            }
        }
    }

    static string ActionOf(HttpListenerRequest request, byte[] body)
    {
        var service = ScopePattern().Match(request.Headers["Authorization"] ?? "") is { Success: true } scope ? scope.Groups["service"].Value : "unsigned";
        if (request.Headers["X-Amz-Target"] is { } amzTarget)
            return $"{service}:{amzTarget[(amzTarget.LastIndexOf('.') + 1)..]}";
        if (service == "s3")
            return "s3:" + S3Action(request);
        var form = HttpUtility.ParseQueryString(Encoding.UTF8.GetString(body));
        var action = form["Action"] ?? request.QueryString["Action"];
        return action is null ? $"{service}:UNKNOWN {request.HttpMethod} {request.Url?.AbsolutePath}" : $"{service}:{action}";
    }

    /// <summary>S3's REST operations as IAM authorizes them (path-style addressing: /bucket or /bucket/key).</summary>
    static string S3Action(HttpListenerRequest request)
    {
        var path = request.Url!.AbsolutePath.Trim('/');
        var hasKey = path.Contains('/');
        var query = request.QueryString;
        bool Has(string subresource) => query.AllKeys.Contains(subresource) || (request.Url.Query.TrimStart('?').Split('&').Contains(subresource));
        return (request.HttpMethod, hasKey) switch
        {
            ("GET", false) when Has("list-type") || query.Count == 0 => "ListBucket",
            ("HEAD", false) => "ListBucket",
            ("PUT", false) when Has("publicAccessBlock") => "PutBucketPublicAccessBlock",
            ("PUT", false) when Has("encryption") => "PutEncryptionConfiguration",
            ("PUT", false) when query.Count == 0 => "CreateBucket",
            ("POST", false) when Has("delete") => "DeleteObject",
            ("DELETE", false) => "DeleteBucket",
            ("GET", true) or ("HEAD", true) => "GetObject",
            ("PUT", true) => "PutObject",
            ("DELETE", true) => "DeleteObject",
            _ => $"UNKNOWN {request.HttpMethod} /{path}{request.Url.Query}",
        };
    }

    [GeneratedRegex(@"Credential=[^/]+/[0-9]{8}/[^/]+/(?<service>[^/]+)/aws4_request")]
    private static partial Regex ScopePattern();

    public async ValueTask DisposeAsync()
    {
        await listener.DisposeAsync();
        upstream.Dispose();
    }
}
