using System.Diagnostics;

namespace Pipeline.IntegrationTests.Local;

/// <summary>
/// A small service image for the local platform tests: Python's http.server on $BIND_ADDRESS:$PORT serving
/// <c>/health</c> and <c>/env</c> (the container's environment). With CRASH set it prints a message and exits at start.
/// It keeps connections alive (HTTP/1.1, no Nagle delay) and has a deep accept queue, as the real services' servers do:
/// the stock HTTP/1.0 server, one connection per request, now and then closes a connection unanswered when the machine
/// is busy (a gateway build beside a request loop), which would be counted against the platform.
/// </summary>
public static class LocalTestImage
{
    public const string BaseImageVariable = "LOCAL_TEST_BASE_IMAGE";
    public const string Repository = "apigw-localtest/web";

    public static string BaseImage =>
        Environment.GetEnvironmentVariable(BaseImageVariable) is { Length: > 0 } image ? image : "127.0.0.1:5000/python:3.13.9-slim-trixie";

    const string Dockerfile = """
        ARG BASE_IMAGE
        FROM ${BASE_IMAGE}
        ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
        COPY server.py /server.py
        # As the services' images: the platform runs it as 10001 with a read-only root and an empty volume on /tmp.
        RUN chown 10001:10001 /tmp
        VOLUME ["/tmp"]
        CMD ["/bin/sh", "-c", "if [ -n \"$CRASH\" ]; then echo \"boom: $CRASH\"; exit 3; fi; mkdir -p /tmp/www && echo ok > /tmp/www/health && env | sort > /tmp/www/env && echo \"listening on $BIND_ADDRESS:$PORT\" && exec python3 /server.py"]
        """;

    const string Server = """
        import functools, http.server, itertools, os

        # FAIL_EVERY=n: every n-th request to a path other than the health path answers 500, as a release with a bug would.
        fail_every = int(os.environ.get("FAIL_EVERY") or "0")
        calls = itertools.count(1)

        class Handler(http.server.SimpleHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True

            def do_GET(self):
                if fail_every and self.path != "/health" and next(calls) % fail_every == 0:
                    self.send_error(500, "injected failure")
                    return
                super().do_GET()

        class Server(http.server.ThreadingHTTPServer):
            request_queue_size = 1024

        Server((os.environ["BIND_ADDRESS"], int(os.environ["PORT"])), functools.partial(Handler, directory="/tmp/www")).serve_forever()
        """;

    /// <summary>Builds the image and tags it with each of <paramref name="tags"/> (same content, different references).</summary>
    public static void Build(params string[] tags)
    {
        var context = Directory.CreateTempSubdirectory("local-test-image-");
        try
        {
            File.WriteAllText(Path.Combine(context.FullName, "Dockerfile"), Dockerfile);
            File.WriteAllText(Path.Combine(context.FullName, "server.py"), Server);
            Docker(["build", "--network", "host", "--build-arg", $"BASE_IMAGE={BaseImage}", "-t", $"{Repository}:{tags[0]}", context.FullName]);
            foreach (var tag in tags.Skip(1))
                Docker(["tag", $"{Repository}:{tags[0]}", $"{Repository}:{tag}"]);
        }
        finally
        {
            context.Delete(recursive: true);
        }
    }

    public static void Remove(params string[] tags)
    {
        foreach (var tag in tags)
            Docker(["image", "rm", $"{Repository}:{tag}"], allowFailure: true);
    }

    public static string Docker(IEnumerable<string> args, bool allowFailure = false)
    {
        var start = new ProcessStartInfo("docker", args) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        if (process.ExitCode != 0 && !allowFailure)
            throw new InvalidOperationException($"docker {string.Join(' ', args)} failed ({process.ExitCode}): {errors.Result}");
        return output.Result;
    }
}
