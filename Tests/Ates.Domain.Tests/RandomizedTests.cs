namespace Ates.Domain.Tests;

public sealed class RandomizedTests
{
    [Fact]
    public async Task Thousands_of_mixed_operations_across_silos_leave_the_money_invariants_intact()
    {
        await using var ates = await DomainCluster.StartAsync(silos: 3, seed: 1234);
        var admin = await ates.UserAsync(Roles.Admin);
        var manager = await ates.UserAsync(Roles.Manager);
        var people = new List<UserDto>();
        for (var i = 0; i < 6; i++) people.Add(await ates.UserAsync(Roles.Worker));
        for (var i = 0; i < 2; i++) people.Add(await ates.UserAsync(Roles.Accountant));
        var roles = new[] { Roles.Worker, Roles.Accountant, Roles.Manager };
        var counts = new System.Collections.Concurrent.ConcurrentDictionary<string, int>();

        async Task Actor(int seed)
        {
            var random = new Random(seed);
            for (var op = 0; op < 600; op++)
            {
                var silo = random.Next(3);
                var roll = random.Next(100);
                try
                {
                    if (roll < 45)
                    {
                        await ates.CreateTaskAsync(random.Next(2) == 0 ? admin.Id : manager.Id, silo: silo);
                        counts.AddOrUpdate("created", 1, (_, n) => n + 1);
                    }
                    else if (roll < 85)
                    {
                        var open = (await ates.Board(silo).List(null, TaskStatuses.Open, null, 50, null, null)).Items;
                        if (open.Count == 0) continue;
                        var task = open[random.Next(open.Count)];
                        // Mostly the assignee; sometimes somebody else, who must be refused.
                        var actor = random.Next(5) == 0 ? people[random.Next(people.Count)].Id : task.AssigneeId;
                        await ates.Grains(silo).GetGrain<ITaskGrain>(task.Id).Complete(actor);
                        counts.AddOrUpdate("completed", 1, (_, n) => n + 1);
                    }
                    else if (roll < 88)
                    {
                        await ates.Board(silo).Shuffle(random.Next(2) == 0 ? admin.Id : manager.Id);
                        counts.AddOrUpdate("shuffled", 1, (_, n) => n + 1);
                    }
                    else if (roll < 92)
                    {
                        var person = people[random.Next(people.Count)];
                        await ates.Registry(silo).ChangeRole(person.Id, roles[random.Next(roles.Length)]);
                        counts.AddOrUpdate("role changes", 1, (_, n) => n + 1);
                    }
                    else
                    {
                        await ates.Account(people[random.Next(people.Count)].Id).Get();
                    }
                }
                catch (DomainException ex)
                {
                    counts.AddOrUpdate($"refused {ex.Error}", 1, (_, n) => n + 1);
                }
                catch (JournalConflictException)
                {
                    counts.AddOrUpdate("conflicts surfaced", 1, (_, n) => n + 1);
                }
            }
        }

        await Task.WhenAll(Enumerable.Range(0, 4).Select(i => Task.Run(() => Actor(100 + i))));
        await ates.SettledAsync(TimeSpan.FromMinutes(2));

        var report = await ates.InvariantsAsync();
        report.Holds.ShouldBeTrue(report.ToString());
        await ates.AuditAsync();
        report.Assignments.ShouldBeGreaterThan(counts["created"]); // creations plus shuffles
        report.Completions.ShouldBe(counts["completed"]);
        counts.GetValueOrDefault("refused Forbidden").ShouldBeGreaterThan(0);

        // Every account's balance (as the account grain says) matches its ledger in the log.
        foreach (var person in people)
        {
            var account = await ates.Account(person.Id).Get();
            var log = await ates.Account(person.Id).Log(null, null);
            account.Balance.ShouldBe(log.Sum(e => e.Amount));
        }
    }
}
