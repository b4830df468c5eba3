namespace OpenSag.Storage.Ado;

public abstract partial class RelationalStore
{
    public async Task<IReadOnlyList<InstanceCidrBlock>> ListCidrBlocksAsync(CancellationToken cancellationToken)
    {
        await using var transaction = await BeginReadAsync(singleStatement: true, cancellationToken);
        var command = transaction.Command("SELECT smart_ag_id, cidr_block FROM instances WHERE cidr_block <> '' ORDER BY smart_ag_id");
        return await ReadAllAsync(command, row => new InstanceCidrBlock(row.GetString(0), row.GetString(1)), cancellationToken);
    }
}
