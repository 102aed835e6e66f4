using System.Text;
using System.Xml;
using System.Xml.Linq;

namespace Pipeline.Build.Aws.Clients;

/// <summary>
/// The AWS Query protocol (CloudFormation, ELBv2, IAM): POST form-encoded <c>Action</c>, <c>Version</c> and parameters,
/// read an XML answer whose <c>&lt;Action&gt;Result</c> element is returned (EC2's variant answers without one: then the
/// whole response).
/// </summary>
public sealed class AwsQueryClient
{
    readonly AwsRequestSender sender;
    readonly string apiVersion;

    public AwsQueryClient(AwsConnection connection, AwsService service, string apiVersion, HttpClient http)
    {
        this.apiVersion = apiVersion;
        sender = new AwsRequestSender(connection, service, http, ParseError);
    }

    public Uri Endpoint => sender.Endpoint;

    /// <summary>
    /// Calls <paramref name="action"/>; returns its <c>&lt;Action&gt;Result</c> element (namespace stripped), or, where the
    /// answer has none (EC2 puts its fields straight into <c>&lt;Action&gt;Response</c>), the response element itself.
    /// </summary>
    public async Task<XElement> CallAsync(string action, IEnumerable<KeyValuePair<string, string>> parameters, CancellationToken ct)
    {
        var form = new StringBuilder($"Action={Uri.EscapeDataString(action)}&Version={Uri.EscapeDataString(apiVersion)}");
        foreach (var (name, value) in parameters)
            form.Append('&').Append(Uri.EscapeDataString(name)).Append('=').Append(Uri.EscapeDataString(value));
        var answer = await sender.PostAsync(action, Encoding.UTF8.GetBytes(form.ToString()),
            "application/x-www-form-urlencoded; charset=utf-8", new Dictionary<string, string>(), ct);
        var root = StripNamespaces(XDocument.Parse(Encoding.UTF8.GetString(answer)).Root!);
        return root.Element(action + "Result") ?? root;
    }

    static XElement StripNamespaces(XElement element)
    {
        foreach (var e in element.DescendantsAndSelf())
        {
            e.Name = e.Name.LocalName;
            e.ReplaceAttributes(e.Attributes().Where(a => !a.IsNamespaceDeclaration).Select(a => new XAttribute(a.Name.LocalName, a.Value)));
        }
        return element;
    }

    static (string Code, string Message) ParseError(byte[] body)
    {
        try
        {
            var root = StripNamespaces(XDocument.Parse(Encoding.UTF8.GetString(body)).Root!);
            var error = root.Descendants("Error").FirstOrDefault();
            return (error?.Element("Code")?.Value ?? "", error?.Element("Message")?.Value ?? "");
        }
        catch (XmlException)
        {
            return ("", Encoding.UTF8.GetString(body).Trim());
        }
    }
}
