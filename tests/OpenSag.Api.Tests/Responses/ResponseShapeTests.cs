using System.Text;
using System.Text.Json;
using System.Xml.Linq;
using OpenSag.Api.Responses;

namespace OpenSag.Api.Tests.Responses;

/// <summary>
/// The declared answer writes the body (<see cref="ResponseShape{TSource}.Write"/>) and checks a body on the wire
/// (<see cref="ResponseConformance"/>): the two halves of "the catalogue declares responses" (DESIGN.md §8).
/// </summary>
public sealed class ResponseShapeTests
{
    private sealed record Item(string Name, string? Note, int Count);

    private sealed record Page(long Total, IReadOnlyList<Item> Items, IReadOnlyList<string> Tags);

    private static readonly ResponseShape<Item> ItemShape = ResponseShape.Of<Item>()
        .String("Name", i => i.Name)
        .OptionalString("Note", i => i.Note)
        .Integer("Count", i => i.Count);

    private static readonly ResponseShape<Page> PageShape = ResponseShape.Of<Page>()
        .Long("TotalCount", p => p.Total)
        .Boolean("Truncated", _ => false)
        .List("Items", "Item", p => p.Items, ItemShape)
        .StringList("Tags", "Tag", p => p.Tags)
        .PlainList("Dns", p => p.Tags)
        .Object("Config", p => p.Items[0], ItemShape);

    private static readonly Page Sample = new(2, [new("a", null, 1), new("b", "note", 2)], ["x", "y"]);

    private static JsonElement Json(ResponseBody body) =>
        JsonDocument.Parse(ResponseWriter.Write(ResponseFormat.Json, "X", "id", body)).RootElement;

    private static XElement Xml(string text) => XDocument.Parse(text).Root!;

    private static XElement Xml(ResponseBody body) => Xml(Encoding.UTF8.GetString(ResponseWriter.Write(ResponseFormat.Xml, "X", "id", body)));

    [Fact]
    public void Write_EveryKind_FieldsInDeclaredOrderAndUnsetOptionalLeftOut()
    {
        var json = Json(PageShape.Write(Sample));

        Assert.Equal(["RequestId", "TotalCount", "Truncated", "Items", "Tags", "Dns", "Config"], json.EnumerateObject().Select(p => p.Name));
        var items = json.GetProperty("Items").GetProperty("Item");
        Assert.Equal(["Name", "Count"], items[0].EnumerateObject().Select(p => p.Name));
        Assert.Equal(["Name", "Note", "Count"], items[1].EnumerateObject().Select(p => p.Name));
    }

    [Fact]
    public void Write_RequiredFieldWithoutValue_Throws()
    {
        var shape = ResponseShape.Of<Item>().String("Name", i => i.Note!);

        Assert.Throws<InvalidOperationException>(() => shape.Write(new Item("a", null, 1)));
    }

    [Fact]
    public void Declare_SameNameTwice_Throws()
    {
        Assert.Throws<InvalidOperationException>(() => ItemShape.Integer("Count", i => i.Count));
    }

    [Fact]
    public void Faults_WrittenThroughTheShape_NoneInJsonOrXml()
    {
        Assert.Empty(ResponseConformance.Faults(PageShape, Json(PageShape.Write(Sample))));
        Assert.Empty(ResponseConformance.Faults(PageShape, Xml(PageShape.Write(Sample))));
    }

    [Fact]
    public void Faults_EmptyListsInXml_NoFaultForTheAbsentPlainList()
    {
        var empty = Sample with { Items = [new("a", null, 1)], Tags = [] };

        Assert.Empty(ResponseConformance.Faults(PageShape, Xml(PageShape.Write(empty))));
    }

    [Fact]
    public void Faults_UndeclaredField_Reported()
    {
        var body = ItemShape.Write(new("a", null, 1));
        body.Add("Extra", "x");

        Assert.Equal(["Extra: not declared"], ResponseConformance.Faults(ItemShape, Json(body)));
        Assert.Equal(["X/Extra: not declared"], ResponseConformance.Faults(ItemShape, Xml(body)));
    }

    [Fact]
    public void Faults_DeclaredFieldMissing_Reported()
    {
        var body = new ResponseBody { { "Name", "a" } };

        Assert.Equal(["Count: declared but missing"], ResponseConformance.Faults(ItemShape, Json(body)));
        Assert.Equal(["X/Count: declared but missing"], ResponseConformance.Faults(ItemShape, Xml(body)));
    }

    [Fact]
    public void Faults_WrongType_Reported()
    {
        var body = new ResponseBody { { "Name", 5 }, { "Count", "5" } };

        var json = ResponseConformance.Faults(ItemShape, Json(body));
        Assert.Equal(2, json.Count);
        Assert.StartsWith("Name: expected String", json[0], StringComparison.Ordinal);
        Assert.StartsWith("Count: expected Integer", json[1], StringComparison.Ordinal);
        var xml = ResponseConformance.Faults(ItemShape, Xml("<X><Name><A/></Name><Count>five</Count></X>"));
        Assert.Equal(2, xml.Count);
    }

    [Fact]
    public void Faults_ListNotInItsWrapper_Reported()
    {
        var shape = ResponseShape.Of<Page>().List("Items", "Item", p => p.Items, ItemShape);

        Assert.Single(ResponseConformance.Faults(shape, JsonDocument.Parse("""{"Items":[{"Name":"a","Count":1}]}""").RootElement));
        Assert.Single(ResponseConformance.Faults(shape, JsonDocument.Parse("""{"Items":{"Entry":[]}}""").RootElement));
        Assert.Single(ResponseConformance.Faults(shape, Xml("<X><Items><Entry><Name>a</Name><Count>1</Count></Entry></Items></X>")));
    }

    [Fact]
    public void Faults_NestedItemFieldMissing_ReportedWithItsPath()
    {
        var json = JsonDocument.Parse("""{"TotalCount":1,"Truncated":false,"Items":{"Item":[{"Name":"a"}]},"Tags":{"Tag":[]},"Dns":[],"Config":{"Name":"a","Count":1}}""").RootElement;

        Assert.Equal(["Items.Item[0].Count: declared but missing"], ResponseConformance.Faults(PageShape, json));
    }

    [Fact]
    public void Describe_NestedFields_IndentedWithTypes()
    {
        var lines = PageShape.Describe().ToList();

        Assert.Contains("Items: Items.Item[] of objects", lines);
        Assert.Contains("  Note: String (absent when unset)", lines);
        Assert.Contains("Tags: Tags.Tag[] of String", lines);
        Assert.Contains("Dns: [] of String", lines);
    }
}
