using System.Text;
using System.Text.Json;
using System.Xml;
using OpenSag.Domain;

namespace OpenSag.Api.Responses;

public enum ResponseFormat
{
    Json,
    Xml,
}

/// <summary>
/// Turns a response tree into bytes. JSON success bodies are <c>{"RequestId":…, fields…}</c>; XML ones have the
/// action name as root (<c>&lt;KickOutClients&gt;</c>, per spec/KickOutClients.md); errors use <c>&lt;Error&gt;</c>.
/// Content types are the exact strings openapi-client compares against (spec §4.2). Writing never fails on a string
/// value: what a format cannot carry is answered as U+FFFD (<see cref="PortableText"/>), so a value stored before input
/// was checked, or echoed from a request, cannot turn an answer into a 500.
/// </summary>
public static class ResponseWriter
{
    public const string JsonContentType = "application/json;charset=utf-8";
    public const string XmlContentType = "text/xml;charset=utf-8";

    public static string ContentType(ResponseFormat format) => format == ResponseFormat.Xml ? XmlContentType : JsonContentType;

    public static byte[] Write(ResponseFormat format, string rootName, string requestId, ResponseBody body)
    {
        ResponseBody withId = new() { { "RequestId", requestId } };
        foreach (var field in body)
        {
            withId.Add(field.Key, field.Value);
        }

        return format == ResponseFormat.Xml ? WriteXml(rootName, withId) : WriteJson(withId);
    }

    private static byte[] WriteJson(ResponseBody body)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            WriteJsonObject(writer, body);
        }

        return buffer.ToArray();
    }

    private static void WriteJsonObject(Utf8JsonWriter writer, ResponseBody body)
    {
        writer.WriteStartObject();
        foreach (var (name, value) in body)
        {
            writer.WritePropertyName(name);
            WriteJsonValue(writer, value);
        }

        writer.WriteEndObject();
    }

    private static void WriteJsonValue(Utf8JsonWriter writer, object value)
    {
        switch (value)
        {
            case string s: writer.WriteStringValue(PortableText.Portable(s)); break;
            case int i: writer.WriteNumberValue(i); break;
            case long l: writer.WriteNumberValue(l); break;
            case bool b: writer.WriteBooleanValue(b); break;
            case ResponseBody nested: WriteJsonObject(writer, nested); break;
            case WrappedList list:
                writer.WriteStartObject();
                writer.WritePropertyName(list.ItemName);
                writer.WriteStartArray();
                foreach (var item in list.Items)
                {
                    WriteJsonValue(writer, item);
                }

                writer.WriteEndArray();
                writer.WriteEndObject();
                break;
            case PlainList plain:
                writer.WriteStartArray();
                foreach (var item in plain.Items)
                {
                    WriteJsonValue(writer, item);
                }

                writer.WriteEndArray();
                break;
            default:
                throw new InvalidOperationException("Unsupported response value " + value.GetType());
        }
    }

    private static byte[] WriteXml(string rootName, ResponseBody body)
    {
        using var buffer = new MemoryStream();
        // Entitize writes CR as &#xD;, which an XML parser keeps; a raw CR would come back as LF (XML 1.0 §2.11).
        var settings = new XmlWriterSettings { Encoding = new UTF8Encoding(false), Indent = false, NewLineHandling = NewLineHandling.Entitize };
        using (var writer = XmlWriter.Create(buffer, settings))
        {
            writer.WriteStartDocument();
            writer.WriteStartElement(rootName);
            WriteXmlFields(writer, body);
            writer.WriteEndElement();
            writer.WriteEndDocument();
        }

        return buffer.ToArray();
    }

    private static void WriteXmlFields(XmlWriter writer, ResponseBody body)
    {
        foreach (var (name, value) in body)
        {
            if (value is PlainList plain)
            {
                foreach (var item in plain.Items)
                {
                    writer.WriteStartElement(name);
                    WriteXmlValue(writer, item);
                    writer.WriteEndElement();
                }

                continue;
            }

            writer.WriteStartElement(name);
            WriteXmlValue(writer, value);
            writer.WriteEndElement();
        }
    }

    private static void WriteXmlValue(XmlWriter writer, object value)
    {
        switch (value)
        {
            case string s: writer.WriteString(PortableText.Portable(s)); break;
            case int i: writer.WriteValue(i); break;
            case long l: writer.WriteValue(l); break;
            case bool b: writer.WriteString(b ? "true" : "false"); break;
            case ResponseBody nested: WriteXmlFields(writer, nested); break;
            case WrappedList list:
                foreach (var item in list.Items)
                {
                    writer.WriteStartElement(list.ItemName);
                    WriteXmlValue(writer, item);
                    writer.WriteEndElement();
                }

                break;
            default:
                throw new InvalidOperationException("Unsupported response value " + value.GetType());
        }
    }
}
