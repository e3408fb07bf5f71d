using System.Globalization;
using System.Text.Json;

namespace Wmo.Storage;

/// <summary>
/// A table entity: keys, ETag, Timestamp and typed properties. Supported property types are the Table service's
/// EDM types: string, int (Int32), long (Int64), double, bool, DateTimeOffset/DateTime (DateTime), Guid, byte[] (Binary).
/// </summary>
public sealed class TableEntity
{
    private readonly Dictionary<string, object?> _properties = new(StringComparer.Ordinal);

    public TableEntity(string partitionKey, string rowKey)
    {
        PartitionKey = TableKeys.Validate(partitionKey, nameof(partitionKey));
        RowKey = TableKeys.Validate(rowKey, nameof(rowKey));
    }

    public string PartitionKey { get; }

    public string RowKey { get; }

    /// <summary>The entity's ETag as last read or written; pass it back for optimistic concurrency.</summary>
    public string? ETag { get; set; }

    public DateTimeOffset? Timestamp { get; internal set; }

    public IReadOnlyDictionary<string, object?> Properties => _properties;

    public object? this[string name]
    {
        get => _properties.GetValueOrDefault(name);
        set => _properties[CheckName(name)] = Normalize(value);
    }

    public string? GetString(string name) => this[name] as string;

    public int? GetInt32(string name) => this[name] is int i ? i : null;

    public long? GetInt64(string name) => this[name] switch
    {
        long l => l,
        int i => i,
        _ => null,
    };

    public double? GetDouble(string name) => this[name] switch
    {
        double d => d,
        int i => i,
        _ => null,
    };

    public bool? GetBoolean(string name) => this[name] is bool b ? b : null;

    public DateTimeOffset? GetDateTime(string name) => this[name] is DateTimeOffset d ? d : null;

    public Guid? GetGuid(string name) => this[name] is Guid g ? g : null;

    public byte[]? GetBinary(string name) => this[name] as byte[];

    private static string CheckName(string name)
    {
        if (name is "PartitionKey" or "RowKey" or "Timestamp" || name.Contains('@', StringComparison.Ordinal) || name.StartsWith("odata.", StringComparison.Ordinal))
        {
            throw new ArgumentException($"'{name}' is a reserved property name.", nameof(name));
        }

        return name;
    }

    private static object? Normalize(object? value) => value switch
    {
        null or string or int or long or double or bool or Guid or byte[] => value,
        DateTimeOffset d => d.ToUniversalTime(),
        DateTime d => new DateTimeOffset(d.Kind == DateTimeKind.Unspecified ? DateTime.SpecifyKind(d, DateTimeKind.Utc) : d.ToUniversalTime()),
        _ => throw new ArgumentException($"Table properties cannot hold a {value.GetType().Name}."),
    };

    internal void WriteJson(Utf8JsonWriter w)
    {
        w.WriteStartObject();
        w.WriteString("PartitionKey", PartitionKey);
        w.WriteString("RowKey", RowKey);
        foreach (var (name, value) in _properties)
        {
            switch (value)
            {
                case null:
                    break; // absent and null are the same to the Table service
                case string s:
                    w.WriteString(name, s);
                    break;
                case int i:
                    w.WriteNumber(name, i);
                    break;
                case long l:
                    w.WriteString(name + "@odata.type", "Edm.Int64");
                    w.WriteString(name, l.ToString(CultureInfo.InvariantCulture));
                    break;
                case double d:
                    w.WriteString(name + "@odata.type", "Edm.Double");
                    if (double.IsFinite(d))
                    {
                        w.WriteNumber(name, d);
                    }
                    else
                    {
                        w.WriteString(name, double.IsNaN(d) ? "NaN" : d > 0 ? "Infinity" : "-Infinity");
                    }

                    break;
                case bool b:
                    w.WriteBoolean(name, b);
                    break;
                case DateTimeOffset dt:
                    w.WriteString(name + "@odata.type", "Edm.DateTime");
                    w.WriteString(name, dt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture));
                    break;
                case Guid g:
                    w.WriteString(name + "@odata.type", "Edm.Guid");
                    w.WriteString(name, g.ToString("D"));
                    break;
                case byte[] bytes:
                    w.WriteString(name + "@odata.type", "Edm.Binary");
                    w.WriteBase64String(name, bytes);
                    break;
            }
        }

        w.WriteEndObject();
    }

    internal static TableEntity FromJson(JsonElement e)
    {
        var entity = new TableEntity(e.GetProperty("PartitionKey").GetString()!, e.GetProperty("RowKey").GetString()!);
        foreach (var p in e.EnumerateObject())
        {
            var name = p.Name;
            if (name.Contains('@', StringComparison.Ordinal) || name.StartsWith("odata.", StringComparison.Ordinal) || name is "PartitionKey" or "RowKey")
            {
                if (name == "odata.etag")
                {
                    entity.ETag = p.Value.GetString();
                }

                continue;
            }

            // Timestamp is a system property: always Edm.DateTime, sent without annotation.
            var type = name == "Timestamp" ? "Edm.DateTime"
                : e.TryGetProperty(name + "@odata.type", out var t) ? t.GetString() : null;
            object? value = (type, p.Value.ValueKind) switch
            {
                ("Edm.Int64", _) => long.Parse(p.Value.GetString()!, CultureInfo.InvariantCulture),
                ("Edm.Double", JsonValueKind.String) => double.Parse(p.Value.GetString()!, CultureInfo.InvariantCulture),
                ("Edm.Double", _) => p.Value.GetDouble(),
                ("Edm.DateTime", _) => DateTimeOffset.Parse(p.Value.GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal),
                ("Edm.Guid", _) => Guid.Parse(p.Value.GetString()!),
                ("Edm.Binary", _) => p.Value.GetBytesFromBase64(),
                ("Edm.Int32", _) => p.Value.GetInt32(),
                (_, JsonValueKind.Number) => p.Value.TryGetInt32(out var i) ? (object)i : p.Value.GetDouble(),
                (_, JsonValueKind.True) => true,
                (_, JsonValueKind.False) => false,
                (_, JsonValueKind.String) => p.Value.GetString(),
                _ => null,
            };

            if (name == "Timestamp")
            {
                entity.Timestamp = value as DateTimeOffset?;
                continue;
            }

            entity._properties[name] = value;
        }

        return entity;
    }
}

internal static class TableKeys
{
    // The service forbids / \ # ? and control characters in keys, and limits them to 1 KiB.
    public static string Validate(string key, string paramName)
    {
        ArgumentNullException.ThrowIfNull(key, paramName);
        if (key.Length > 512 || key.Any(c => c is '/' or '\\' or '#' or '?' || char.IsControl(c)))
        {
            throw new ArgumentException($"'{key}' is not a valid table key (no / \\ # ? or control characters, at most 1 KiB).", paramName);
        }

        return key;
    }

    /// <summary>Key as it appears in an entity URL: PartitionKey='a''b' then percent-encoded.</summary>
    public static string InUrl(string key) => Uri.EscapeDataString(key.Replace("'", "''", StringComparison.Ordinal));
}

/// <summary>Builds OData filter strings with correctly quoted literals.</summary>
public static class TableFilter
{
    public static string Quote(string value) => "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'";

    public static string PartitionKeyEquals(string partitionKey) => "PartitionKey eq " + Quote(partitionKey);

    public static string Equal(string property, string value) => $"{property} eq {Quote(value)}";

    public static string GreaterThanOrEqual(string property, string value) => $"{property} ge {Quote(value)}";

    public static string GreaterThan(string property, string value) => $"{property} gt {Quote(value)}";

    public static string LessThan(string property, string value) => $"{property} lt {Quote(value)}";

    public static string DateTimeLiteral(DateTimeOffset value) =>
        "datetime'" + value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture) + "'";

    public static string And(params string[] clauses) => string.Join(" and ", clauses.Select(c => "(" + c + ")"));
}

/// <summary>Makes any text usable as a PartitionKey or RowKey (the service forbids / \ # ? and control characters).</summary>
public static class TableKey
{
    public static string Escape(string value)
    {
        var sb = new System.Text.StringBuilder(value.Length);
        foreach (var c in value)
        {
            if (c is '%' or '/' or '\\' or '#' or '?' || char.IsControl(c))
            {
                sb.Append('%').Append(((int)c).ToString("X2", CultureInfo.InvariantCulture));
            }
            else
            {
                sb.Append(c);
            }
        }

        return sb.ToString();
    }
}
