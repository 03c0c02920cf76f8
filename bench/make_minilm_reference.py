"""Write tests/fixtures/minilm_reference.npz: sentence-transformers' fp32 vectors of fixed texts.

    python -m bench.make_minilm_reference

The ONNX embedder (ragtime/embedding/onnx_minilm.py) is tested against these vectors, so the
tests need neither torch nor sentence-transformers. This is the only place that uses them for
that. Texts: short questions, chunk-sized passages (150-250 word pieces) from varied domains,
non-English text, code, edge cases, and two texts longer than the 256 tokens the model reads.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from bench.torch_reference import model_dir, prepare_torch_environment

OUT = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "minilm_reference.npz"

QUESTIONS = [
    "How much does it cost to build a hotel on Boardwalk?",
    "What happens when you land on Free Parking?",
    "How many train cars does each player start with?",
    "Can I claim a double route in a two-player game?",
    "What is the deadline for sending the final logo files?",
    "Who owns the copyright of the website design?",
    "Is the deposit refundable if the project is cancelled?",
    "when does the game end",
    "What's the boiling point of water at high altitude?",
    "How do I reset my password?",
    "Which colour are the most expensive properties?",
    "what r the rules 4 trading cards??",
]

PASSAGES = [
    # medicine
    "Hypertension is usually diagnosed after elevated readings on at least two separate visits. "
    "First-line treatment includes lifestyle changes such as reducing sodium intake, regular aerobic "
    "exercise, limiting alcohol and losing weight where appropriate. When medication is needed, "
    "thiazide diuretics, ACE inhibitors, angiotensin receptor blockers and calcium channel blockers "
    "are common first choices; the selection depends on age, ethnicity, kidney function and other "
    "conditions such as diabetes. Patients should be reviewed every four to six weeks until their "
    "blood pressure is controlled, then every three to six months. Home monitoring improves adherence "
    "and helps detect white-coat hypertension, where readings taken in the clinic are higher than "
    "those taken at home. Side effects like a dry cough with ACE inhibitors or ankle swelling with "
    "amlodipine are frequent reasons for switching drugs.",
    # law
    "The tenant shall pay the rent monthly in advance on the first day of each calendar month by "
    "bank transfer to the account nominated by the landlord. If any rent remains unpaid fourteen days "
    "after the due date, interest shall accrue at four percent above the base rate until payment. The "
    "landlord may enter the premises to inspect their condition or carry out repairs on giving at "
    "least twenty-four hours' written notice, except in an emergency. The tenant must not assign, "
    "sublet or part with possession of the premises without the prior written consent of the "
    "landlord, such consent not to be unreasonably withheld. At the end of the tenancy the deposit "
    "will be returned within ten days, less any reasonable deductions for damage beyond fair wear "
    "and tear, unpaid rent or cleaning costs agreed between the parties.",
    # cooking
    "For the dough, mix 500 g of strong white flour with 7 g of dried yeast and 10 g of salt, then add "
    "325 ml of lukewarm water and a tablespoon of olive oil. Knead for ten minutes until smooth and "
    "elastic, cover, and leave to rise somewhere warm for about an hour, until doubled in size. Knock "
    "it back, divide into four balls and rest them for fifteen minutes. Meanwhile heat the oven to its "
    "highest setting with a baking stone or heavy tray inside. Stretch each ball into a thin round, "
    "spread with a spoonful of tomato sauce, tear over some mozzarella and add basil leaves. Bake for "
    "seven to nine minutes until the crust is blistered and the cheese bubbling. A drizzle of chilli "
    "oil and a pinch of flaky salt just before serving makes all the difference.",
    # astronomy
    "A total solar eclipse occurs when the Moon passes directly between the Earth and the Sun and "
    "completely covers the solar disc. Because the Moon's orbit is elliptical, its apparent size "
    "varies; when it is near apogee it cannot cover the Sun entirely and an annular eclipse results, "
    "leaving a bright ring of sunlight visible. The path of totality is usually narrower than two "
    "hundred kilometres and sweeps across the surface at more than a thousand kilometres per hour. "
    "During totality, which lasts at most about seven and a half minutes, the solar corona becomes "
    "visible, the temperature drops noticeably and bright planets appear in the darkened sky. "
    "Observers must use certified eclipse glasses during the partial phases; looking at the Sun "
    "through binoculars without a filter causes permanent eye damage within seconds.",
    # finance
    "The company's revenue grew eleven percent year on year to 4.2 billion dollars, driven mainly by "
    "subscription services, while hardware sales declined for the third consecutive quarter. Gross "
    "margin improved by 180 basis points thanks to a more favourable product mix and lower freight "
    "costs. Operating expenses rose faster than revenue because of continued investment in research "
    "and development and a one-off restructuring charge of 95 million dollars. Free cash flow was 610 "
    "million, and the board approved a new share buyback programme of up to two billion dollars over "
    "the next three years. Management raised its full-year guidance for earnings per share but warned "
    "that currency movements and weaker consumer demand in Europe could weigh on the second half. "
    "Analysts had expected a smaller buyback, and the shares rose six percent in after-hours trading.",
    # software operations
    "When a deployment fails its health checks, the orchestrator stops routing traffic to the new "
    "replicas and rolls back to the previous release automatically. Check the pod events first: an "
    "image pull error usually means the tag was never pushed or the registry credentials expired, "
    "while a crash loop points to a configuration problem such as a missing environment variable or "
    "an unreachable database. Readiness probes that are too strict can also fail a healthy service "
    "that simply needs longer to warm its caches; increase the initial delay rather than disabling "
    "the probe. Keep an eye on memory limits, because a container killed for exceeding them restarts "
    "without a useful log line. Finally, record the incident in the runbook so the next on-call "
    "engineer knows which dashboards and alerts matter.",
    # history
    "The construction of the transcontinental railroad in the United States was completed in 1869, "
    "when the Central Pacific and Union Pacific lines met at Promontory Summit in Utah. Thousands of "
    "workers, many of them Chinese immigrants on the western section and Irish immigrants and Civil "
    "War veterans in the east, laid track across deserts, plains and the Sierra Nevada mountains, "
    "where blasting tunnels through granite advanced only a few inches a day. The railroad cut the "
    "journey from coast to coast from several months to about a week, opened the interior to "
    "settlement and trade, and accelerated the displacement of Native American nations whose lands "
    "it crossed. Historians still debate the financing, which relied on government bonds and land "
    "grants and produced one of the era's largest corruption scandals.",
    # biology
    "Photosynthesis takes place in the chloroplasts of plant cells and has two linked stages. In the "
    "light-dependent reactions, which occur in the thylakoid membranes, chlorophyll absorbs light "
    "energy that is used to split water molecules, releasing oxygen and producing ATP and NADPH. In "
    "the Calvin cycle, which runs in the stroma, the enzyme RuBisCO fixes carbon dioxide onto a "
    "five-carbon sugar, and the ATP and NADPH from the first stage are used to turn the products into "
    "glucose and other carbohydrates. The rate of photosynthesis is limited by light intensity, carbon "
    "dioxide concentration and temperature, and whichever factor is in shortest supply sets the pace. "
    "Plants in hot, dry climates have evolved C4 and CAM pathways that reduce water loss.",
    # sport
    "In the final set the defending champion saved three match points, broke serve at five games all "
    "and then held to love to force a tie-break. Her opponent, playing in only her second major "
    "final, had dominated the first two sets with heavy topspin forehands and an aggressive return "
    "position, winning more than sixty percent of points on the champion's second serve. The "
    "tie-break swung both ways: a double fault gave the challenger a mini-break at four points to "
    "three, but a stunning backhand pass down the line levelled it, and two unforced errors on the "
    "forehand side decided the match. After three hours and twelve minutes, the champion dropped to "
    "her knees on the baseline. She said afterwards that she had considered retiring last year after "
    "a wrist injury kept her off the tour for five months, and that this title meant more than any "
    "of the previous ones.",
    # geography
    "The Danube is the second-longest river in Europe, flowing roughly 2,850 kilometres from the "
    "Black Forest in Germany to the Black Sea, and it passes through or along the borders of ten "
    "countries, more than any other river in the world. Four capital cities lie on its banks: "
    "Vienna, Bratislava, Budapest and Belgrade. Its delta, most of which lies in Romania, is one of "
    "the largest and best-preserved wetlands on the continent and a UNESCO World Heritage Site, home "
    "to more than three hundred species of birds, including large colonies of pelicans. For centuries "
    "the river was a frontier of the Roman Empire and later a major trade route; today it is linked "
    "to the Rhine by the Main-Danube Canal, allowing barges to travel from the North Sea to the Black "
    "Sea.",
    # board-game rules
    "On your turn you must do exactly one of three things: draw train car cards, claim a route, or "
    "draw destination tickets. To draw cards, take two from the five face-up cards or from the top "
    "of the deck; if you take a face-up locomotive you may take no other card that turn. To claim a "
    "route, play a set of cards equal in number to the spaces of the route and of the colour shown, "
    "then place one of your plastic trains on each space and score points immediately on the scoring "
    "track. Grey routes may be claimed with a set of any single colour. Locomotives are wild and may "
    "replace a card of any colour. When drawing destination tickets, take three from the top of the "
    "pile and keep at least one; tickets you keep but fail to complete count against you at the end "
    "of the game.",
    # a design agreement
    "The designer will deliver three initial logo concepts within ten working days of receiving the "
    "signed agreement and the deposit of fifty percent of the total fee. The client may request up to "
    "two rounds of revisions on one chosen concept; further revisions are billed at the hourly rate "
    "stated in the schedule. Final artwork will be supplied in vector formats (SVG, EPS and PDF) and "
    "in PNG at web and print resolutions, together with a short style guide covering colours, "
    "typefaces and minimum sizes. Ownership of the final design passes to the client on payment of "
    "the balance, while the designer keeps the right to show the work in a portfolio. Unused concepts "
    "remain the property of the designer. If the client cancels the project after work has begun, the "
    "deposit is not refundable, and any work beyond its value will be invoiced pro rata.",
]

NON_ENGLISH = [
    "Combien coûte la construction d'un hôtel sur la rue de la Paix ? Le joueur doit posséder "
    "toutes les propriétés de la même couleur et avoir bâti quatre maisons sur chacune.",
    "Wie viele Waggons bekommt jeder Spieler zu Beginn des Spiels? Jeder Spieler erhält 45 "
    "Waggons und die passenden Wertungssteine in seiner Farbe.",
    "¿Cuándo termina la partida? Cuando a un jugador le quedan dos vagones o menos, cada jugador, "
    "incluido él, juega un último turno.",
    "项目的最终交付日期是什么时候？设计师将在收到全部付款后的五个工作日内提供所有源文件。",
    "このゲームでは、各プレイヤーは順番にカードを引くか、路線を建設するか、目的地カードを取ります。",
    "Сколько стоит построить отель? Игрок должен сначала построить по четыре дома на каждом участке.",
]

CODE = [
    "def chunk_pages(document_id: str, pages: list[Page], max_tokens: int = 160) -> list[Chunk]:\n"
    "    lines = _content_lines(pages)\n    return [_make_chunk(document_id, i, part) for i, part in "
    "enumerate(_pack(lines, max_tokens))]",
    "SELECT d.title, count(c.id) AS chunks FROM documents d JOIN chunks c ON c.document_id = d.id "
    "WHERE d.channel_id = 'C0123' GROUP BY d.title ORDER BY chunks DESC LIMIT 10;",
    '{"type": "section", "text": {"type": "mrkdwn", "text": "*Answer:* see page 4"}, '
    '"accessory": {"type": "button", "action_id": "open_pdf", "value": "doc-42"}}',
    "ERROR 2024-05-01T10:22:31Z worker-3 celery.app.trace Task ragtime.ingest[9f1c] raised "
    "TimeoutError('pdf child exceeded 30 s') at ragtime/pdf_process.py:122 in _receive",
]

EDGE = [
    "",
    "   ",
    "🎲🎲 double! 🚂",
    "a",
]

# Both are well over 256 word pieces: the model (and sentence-transformers) reads the first 256.
LONG = [
    " ".join(PASSAGES[:3]),
    "Rule " + " and then the next rule applies ".join(str(i) for i in range(120)),
]

TEXTS = QUESTIONS + PASSAGES + NON_ENGLISH + CODE + EDGE + LONG


def main() -> None:
    prepare_torch_environment()
    import sentence_transformers
    import torch
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(model_dir(), device="cpu")
    assert model.max_seq_length == 256, model.max_seq_length
    with torch.inference_mode():
        vectors = model.encode(
            TEXTS, batch_size=8, normalize_embeddings=True, convert_to_numpy=True
        )
    tokens = [len(ids) for ids in model.tokenizer(TEXTS, truncation=False)["input_ids"]]
    OUT.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(
        OUT,
        texts=np.array(TEXTS),
        vectors=vectors.astype(np.float32),
        tokens=np.array(tokens, dtype=np.int32),  # before truncation, with [CLS] and [SEP]
        versions=np.array(
            [
                f"sentence-transformers {sentence_transformers.__version__}",
                f"torch {torch.__version__}",
            ]
        ),
    )
    print(
        f"{len(TEXTS)} texts, tokens {min(tokens)}-{max(tokens)}, wrote {OUT} ({OUT.stat().st_size} bytes)"
    )


if __name__ == "__main__":
    main()
