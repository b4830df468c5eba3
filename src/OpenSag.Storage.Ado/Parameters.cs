using System.Data;
using System.Data.Common;

namespace OpenSag.Storage.Ado;

/// <summary>Binding by bare name (<c>id</c> for <c>@id</c>), the one way both engines accept.</summary>
public static class Parameters
{
    /// <summary>Binds a value whose type the engine infers from its CLR type (never null).</summary>
    public static void Bind(this DbCommand command, string name, object value)
    {
        ArgumentNullException.ThrowIfNull(command);
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value;
        command.Parameters.Add(parameter);
    }

    /// <summary>
    /// Binds a value or NULL, typed: a NULL alone leaves PostgreSQL unable to infer the type of <c>@p IS NULL</c>
    /// or <c>coalesce(@p, column)</c>.
    /// </summary>
    public static void BindOptional(this DbCommand command, string name, DbType type, object? value)
    {
        ArgumentNullException.ThrowIfNull(command);
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.DbType = type;
        parameter.Value = value ?? DBNull.Value;
        command.Parameters.Add(parameter);
    }
}
