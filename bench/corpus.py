"""Write a synthetic digest of N realistic entries: `python bench/corpus.py N [--out DIR]`.

Entries look like the real digest: a date line, a title, one or two body paragraphs of 60-180
words, some opening with a dateline, naming the region's countries, people and places, with the
vocabulary of every theme (and of no theme). Output is deterministic for a given N and seed, and
spread over files of 500 entries, newest first, like monthly digests.
"""
from __future__ import annotations

import argparse
import datetime as dt
import random
from pathlib import Path

COUNTRIES = ["Mexico", "Guatemala", "Belize", "El Salvador", "Honduras", "Nicaragua", "Costa Rica", "Panama",
             "the Dominican Republic", "Haiti", "Jamaica", "Trinidad and Tobago", "Guyana", "Suriname",
             "the Bahamas", "Barbados", "Curaçao", "Cuba", "Canada", "the United States"]
DEMONYMS = ["Guatemalan", "Belizean", "Salvadoran", "Honduran", "Haitian", "Mexican", "Panamanian", "Venezuelan"]
DATELINES = ["Georgetown, Guyana, {d:%-d %B%Y}", "Puebla, Puebla –", "Port of Spain -", "Mexico City.",
             "Tapachula, Chiapas –", "San José, Costa Rica, {d:%-d %B %Y} –", "Santo Domingo –", "Belmopan -"]
TOPICS = {
    "labour": (["IOM supports ethical recruitment of {dem} workers", "Labour mobility scheme opens for workers from {c}",
                "{c} improves its labour market information on migrant workers"],
               "migrant workers, fair recruitment, work permits, employers and the labour market"),
    "smuggling": (["{c} strengthens its response to migrant smuggling", "Prosecutors in {c} trained on trafficking in persons",
                   "Victims of human trafficking in {c} receive assistance"],
                  "migrant smuggling networks, victims of trafficking, prosecution of traffickers and protection protocols"),
    "governance": (["{c} presents its migration governance report", "Border officials in {c} trained on migration management",
                    "{c} opens a regularization process for migrants"],
                   "migration policy, border management, migration data and regional cooperation on migration"),
    "protection": (["Unaccompanied children receive care in {c}", "Shelters for migrants in {c} expand their capacity"],
                   "unaccompanied and separated children, psychosocial support and migrants in vulnerable situations"),
    "communication": (["Information campaign on safe migration launched in {c}", "Journalists in {c} trained on reporting on migration"],
                      "communication for development, community radio, social media messages and countering xenophobia"),
    "diaspora": (["{dem} diaspora invests in community projects", "Study on remittances to {c} presented"],
                 "diaspora organizations, remittances, hometown associations and investment"),
    "emergencies": (["Hurricane response: IOM supports displaced families in {c}", "Disaster risk reduction training in {c}"],
                    "displaced families, hurricanes and floods, shelters, displacement tracking and climate change"),
    "none": (["IOM and {c} celebrate International Migrants Day", "Football tournament promotes integration in {c}",
              "Health fair for communities in {c}"],
             "community events, health services, schools, sports and culture"),
}
FILLER = [
    "The activity brought together representatives of government institutions, civil society organizations, "
    "international cooperation agencies and community leaders, who exchanged experiences and good practices",
    "Participants agreed on next steps, including follow-up meetings and the publication of a report",
    "More officials will be trained in the coming months in the capital and in border provinces",
    "The initiative is funded by international donors and implemented by the International Organization "
    "for Migration (IOM) with national partners",
    "A virtual session allowed participants from rural municipalities to join the discussions",
    "The findings will feed into the national development plan and the work of inter-institutional committees",
    "Speakers highlighted the importance of coordination between local and national authorities",
    "The event closed with the signing of a letter of intent between the participating institutions",
    "A second phase of the project will begin next year with a focus on young people and women",
    "Materials were prepared in Spanish, English, French and Haitian Creole",
]


def entries(n: int, seed: int = 2021):
    rng = random.Random(seed)
    day = dt.date(2026, 10, 31)
    step = min(0.45, 9000 / max(n, 1))  # about three items a week, but never before the 1990s
    for number in range(n):
        if rng.random() < step:
            day -= dt.timedelta(days=1)
        topic = rng.choice(list(TOPICS))
        titles, vocabulary = TOPICS[topic]
        country, demonym = rng.choice(COUNTRIES), rng.choice(DEMONYMS)
        title = rng.choice(titles).format(c=country, dem=demonym)
        title = f"{title} ({number})"  # titles of one day stay distinct, as in the real digest
        body = [f"In {country}, the meeting addressed {vocabulary}."] + rng.sample(FILLER, rng.randint(2, 5))
        first = " ".join(s.rstrip(".") + "." for s in body)
        if rng.random() < 0.25:
            first = rng.choice(DATELINES).format(d=day) + " " + first
        paragraphs = [first]
        if rng.random() < 0.4:
            paragraphs.append(f"{rng.randint(12, 4000):,} people from {rng.randint(2, 14)} countries took part, "
                              f"among them {demonym} nationals. " + " ".join(rng.sample(FILLER, 2)) + ".")
        yield day, title, paragraphs


def write(n: int, out: Path, per_file: int = 500, seed: int = 2021) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    files, chunk, index = [], [], 0
    for day, title, paragraphs in entries(n, seed):
        chunk.append(f"{day:%-d %B, %Y}\n\n{title}\n\n" + "\n\n".join(paragraphs) + "\n\n\n")
        if len(chunk) == per_file:
            files.append(flush(out, index, chunk))
            chunk, index = [], index + 1
    if chunk:
        files.append(flush(out, index, chunk))
    return files


def flush(out: Path, index: int, chunk: list[str]) -> Path:
    path = out / f"digest-{index:05d}.txt"
    path.write_text("".join(chunk), encoding="utf-8")
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int, help="number of entries")
    parser.add_argument("--out", type=Path, default=None, help="seeds folder to write (default: bench/corpus-N)")
    parser.add_argument("--seed", type=int, default=2021)
    args = parser.parse_args()
    out = args.out or Path(__file__).parent / f"corpus-{args.n}"
    files = write(args.n, out, seed=args.seed)
    print(f"{out}: {args.n} entries in {len(files)} files")


if __name__ == "__main__":
    main()
