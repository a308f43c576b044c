"""Realistic synthetic history for the embedded default: tens of thousands of reports with their lifecycles.

Per tenant, reports cluster in space and time the way nuisance does (`hotspots`): nightlife blocks near the
centre (night noise, antisocial behaviour, drugs; Thursday to Saturday nights), schools (speeding and
dangerous parking at the school run), the edge of town (illegal dumping, evenings and weekends), the station
area (bike theft), a diffuse background for everything else, online crime from the reporters' homes, and one
or two *emerging* blocks where night-noise reports ramp up sharply in the last ten days. Times are drawn in
the tenant's own time zone, with weekly seasonality and slight growth; texts are short phrases in the
report's language; priority, unit and deadline come from the tenant's own rules (`triage`); every status
change follows `lifecycle.TRANSITIONS` and is an audited `ReportEvent`.

`generate_reports` is pure (no I/O) and deterministic for a given `random.Random`; `seed_all` writes what it
generates with `batch_write_item` over a few threads, each with its own boto3 client, using the item layout
of `koban.reports.storage`.
"""

from __future__ import annotations

import base64
import math
import random
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, Final

from koban.dynamo import encode_json, serialize
from koban.i18n import pick, translate
from koban.ids import hash_token
from koban.reports.answers import validate_answers
from koban.reports.lifecycle import TRANSITIONS, Status
from koban.reports.models import STAFF_CHANNELS, Channel, EventKind, GeoPoint, Priority, Report, ReportEvent
from koban.reports.storage import event_to_item, report_to_item
from koban.reports.triage import triage
from koban.settings import get_settings
from koban.tenants.models import Category, Question, QuestionType, Tenant
from koban.tenants.service import list_categories, list_tenants

__all__ = [
    "EMERGING",
    "Hotspot",
    "generate_reports",
    "hotspots",
    "seed_all",
    "seeded_id",
    "tenant_random",
]

# ================================================================================================ phrases
# Short texts as residents and officers write them, per language; a language without a bank falls back to
# English. Two variants per category; VARIANT_ANSWERS keeps the answers consistent with the variant chosen.

PHRASE_LANGUAGES: Final = ("en", "nl", "pl", "fi", "es", "pt", "fr", "de")

DESCRIPTIONS: Final[dict[str, dict[str, tuple[str, str]]]] = {
    "noise_night": {
        "en": (
            "Loud music from a flat upstairs, still going after midnight.",
            "Group of people shouting in the street outside the bars, nobody can sleep.",
        ),
        "nl": (
            "Harde muziek uit een bovenwoning, nog steeds bezig na middernacht.",
            "Groep mensen die op straat staat te schreeuwen bij de kroegen, niemand kan slapen.",
        ),
        "pl": (
            "Głośna muzyka z mieszkania piętro wyżej, nadal gra po północy.",
            "Grupa osób krzyczy na ulicy przed barami, nie da się spać.",
        ),
        "fi": (
            "Kovaa musiikkia yläkerran asunnosta, jatkuu vielä puolenyön jälkeen.",
            "Porukka huutaa kadulla baarien edessä, kukaan ei saa nukuttua.",
        ),
        "es": (
            "Música muy alta en un piso de arriba, sigue después de medianoche.",
            "Un grupo de personas gritando en la calle frente a los bares, no se puede dormir.",
        ),
        "pt": (
            "Música muito alta num apartamento de cima, continua depois da meia-noite.",
            "Grupo de pessoas aos gritos na rua à porta dos bares, ninguém consegue dormir.",
        ),
        "fr": (
            "Musique très forte dans un appartement au-dessus, toujours après minuit.",
            "Un groupe de personnes crie dans la rue devant les bars, impossible de dormir.",
        ),
        "de": (
            "Laute Musik aus einer Wohnung über uns, immer noch nach Mitternacht.",
            "Eine Gruppe schreit vor den Bars auf der Straße, niemand kann schlafen.",
        ),
    },
    "antisocial_behaviour": {
        "en": (
            "Youths hanging around the entrance drinking and intimidating passers-by.",
            "A group fighting and throwing bottles near the square.",
        ),
        "nl": (
            "Jongeren hangen bij de ingang rond, drinken en intimideren voorbijgangers.",
            "Een groep die vecht en met flessen gooit bij het plein.",
        ),
        "pl": (
            "Młodzież przesiaduje przy wejściu, pije alkohol i zaczepia przechodniów.",
            "Grupa osób bije się i rzuca butelkami w pobliżu placu.",
        ),
        "fi": (
            "Nuoret notkuvat sisäänkäynnillä, juovat ja häiritsevät ohikulkijoita.",
            "Porukka tappelee ja heittelee pulloja aukion lähellä.",
        ),
        "es": (
            "Jóvenes en el portal bebiendo e intimidando a los vecinos que pasan.",
            "Un grupo peleándose y tirando botellas cerca de la plaza.",
        ),
        "pt": (
            "Jovens à entrada do prédio a beber e a intimidar quem passa.",
            "Um grupo a lutar e a atirar garrafas perto da praça.",
        ),
        "fr": (
            "Des jeunes traînent devant l'entrée, boivent et intimident les passants.",
            "Un groupe se bat et lance des bouteilles près de la place.",
        ),
        "de": (
            "Jugendliche hängen am Eingang herum, trinken und pöbeln Passanten an.",
            "Eine Gruppe prügelt sich und wirft Flaschen in der Nähe des Platzes.",
        ),
    },
    "drug_nuisance": {
        "en": (
            "Dealing going on openly in the alley behind the shops, every evening.",
            "Used needles found in the stairwell again and a strong smell of weed.",
        ),
        "nl": (
            "Er wordt openlijk gedeald in de steeg achter de winkels, elke avond.",
            "Weer gebruikte naalden in het trappenhuis gevonden en een sterke wietlucht.",
        ),
        "pl": (
            "W zaułku za sklepami codziennie wieczorem otwarcie handlują narkotykami.",
            "Znowu zużyte strzykawki na klatce schodowej i silny zapach marihuany.",
        ),
        "fi": (
            "Kauppojen takana kujalla myydään huumeita avoimesti joka ilta.",
            "Porraskäytävästä löytyi taas käytettyjä neuloja ja vahva kannabiksen haju.",
        ),
        "es": (
            "Venden droga a la vista de todos en el callejón detrás de las tiendas, cada tarde.",
            "Otra vez jeringuillas usadas en la escalera y un olor fuerte a marihuana.",
        ),
        "pt": (
            "Há tráfico às claras na viela atrás das lojas, todas as noites.",
            "Encontrámos outra vez seringas usadas nas escadas e um cheiro forte a erva.",
        ),
        "fr": (
            "Du deal se fait ouvertement dans la ruelle derrière les commerces, tous les soirs.",
            "Encore des seringues usagées dans la cage d'escalier et une forte odeur de cannabis.",
        ),
        "de": (
            "In der Gasse hinter den Läden wird jeden Abend offen gedealt.",
            "Wieder benutzte Spritzen im Treppenhaus und starker Cannabisgeruch.",
        ),
    },
    "speeding": {
        "en": (
            "Cars racing past the school at drop-off time, far above the limit.",
            "Motorbikes speeding through the 30 zone every morning.",
        ),
        "nl": (
            "Auto's scheuren langs de school tijdens het brengen, veel te hard.",
            "Motoren rijden elke ochtend veel te hard door de 30-zone.",
        ),
        "pl": (
            "Samochody pędzą obok szkoły, gdy rodzice odprowadzają dzieci, dużo powyżej limitu.",
            "Motocykle codziennie rano przejeżdżają strefę 30 z dużą prędkością.",
        ),
        "fi": (
            "Autot ajavat koulun ohi aivan liian kovaa, kun lapsia tuodaan kouluun.",
            "Moottoripyörät ajavat ylinopeutta 30 km/h -alueella joka aamu.",
        ),
        "es": (
            "Coches pasando a toda velocidad por delante del colegio a la hora de entrada.",
            "Motos circulando muy por encima del límite en la zona 30 cada mañana.",
        ),
        "pt": (
            "Carros a passar em excesso de velocidade junto à escola à hora de entrada.",
            "Motas em excesso de velocidade na zona 30 todas as manhãs.",
        ),
        "fr": (
            "Des voitures passent à toute vitesse devant l'école à l'heure de la rentrée.",
            "Des motos roulent bien trop vite dans la zone 30 tous les matins.",
        ),
        "de": (
            "Autos rasen zur Bringzeit viel zu schnell an der Schule vorbei.",
            "Motorräder fahren jeden Morgen viel zu schnell durch die Tempo-30-Zone.",
        ),
    },
    "dangerous_parking": {
        "en": (
            "Parents parking on the pavement and the crossing in front of the school gate.",
            "Van parked on the cycle path, cyclists have to swerve into traffic.",
        ),
        "nl": (
            "Ouders parkeren op de stoep en het zebrapad voor het schoolhek.",
            "Busje geparkeerd op het fietspad, fietsers moeten de weg op uitwijken.",
        ),
        "pl": (
            "Rodzice parkują na chodniku i na przejściu przed bramą szkoły.",
            "Dostawczak zaparkowany na drodze rowerowej, rowerzyści muszą zjeżdżać na jezdnię.",
        ),
        "fi": (
            "Vanhemmat pysäköivät jalkakäytävälle ja suojatielle koulun portin eteen.",
            "Pakettiauto pysäköity pyörätielle, pyöräilijät joutuvat väistämään ajoradalle.",
        ),
        "es": (
            "Padres aparcando en la acera y en el paso de peatones delante del colegio.",
            "Una furgoneta aparcada en el carril bici, los ciclistas tienen que invadir la calzada.",
        ),
        "pt": (
            "Pais estacionam no passeio e na passadeira em frente ao portão da escola.",
            "Carrinha estacionada na ciclovia, os ciclistas têm de ir para a estrada.",
        ),
        "fr": (
            "Des parents se garent sur le trottoir et le passage piéton devant l'école.",
            "Une camionnette garée sur la piste cyclable, les cyclistes doivent se déporter sur la route.",
        ),
        "de": (
            "Eltern parken vor dem Schultor auf dem Gehweg und dem Zebrastreifen.",
            "Transporter auf dem Radweg geparkt, Radfahrer müssen auf die Fahrbahn ausweichen.",
        ),
    },
    "traffic_danger": {
        "en": (
            "Drivers keep running the red light at this junction, children cross here.",
            "The crossing is hard to see because of parked cars, near misses every day.",
        ),
        "nl": (
            "Automobilisten rijden hier steeds door rood, kinderen steken hier over.",
            "Het oversteekpunt is slecht zichtbaar door geparkeerde auto's, elke dag bijna-ongelukken.",
        ),
        "pl": (
            "Kierowcy ciągle przejeżdżają tu na czerwonym, a przechodzą tędy dzieci.",
            "Przejście jest słabo widoczne przez zaparkowane auta, codziennie niebezpieczne sytuacje.",
        ),
        "fi": (
            "Autoilijat ajavat jatkuvasti päin punaista tässä risteyksessä, lapset ylittävät tästä.",
            "Suojatie näkyy huonosti pysäköityjen autojen takia, läheltä piti -tilanteita päivittäin.",
        ),
        "es": (
            "Los conductores se saltan el semáforo en rojo en este cruce y aquí cruzan niños.",
            "El paso de peatones apenas se ve por los coches aparcados, casi hay accidentes a diario.",
        ),
        "pt": (
            "Os condutores passam sempre o vermelho neste cruzamento e as crianças atravessam aqui.",
            "A passadeira mal se vê por causa dos carros estacionados, há quase acidentes todos os dias.",
        ),
        "fr": (
            "Les conducteurs grillent sans cesse le feu rouge à ce carrefour, des enfants traversent ici.",
            "Le passage piéton est peu visible à cause des voitures garées, on frôle l'accident chaque jour.",
        ),
        "de": (
            "An dieser Kreuzung fahren ständig Autos über Rot, hier gehen Kinder über die Straße.",
            "Der Überweg ist wegen parkender Autos kaum zu sehen, täglich Beinahe-Unfälle.",
        ),
    },
    "illegal_dumping": {
        "en": (
            "Someone dumped a mattress and bags of rubbish next to the recycling bins.",
            "A van load of building rubble left at the end of the road by the field.",
        ),
        "nl": (
            "Iemand heeft een matras en vuilniszakken naast de containers gedumpt.",
            "Een busje vol bouwafval achtergelaten aan het eind van de weg bij het weiland.",
        ),
        "pl": (
            "Ktoś wyrzucił materac i worki ze śmieciami obok pojemników do segregacji.",
            "Cały bus gruzu budowlanego porzucony na końcu drogi przy polu.",
        ),
        "fi": (
            "Joku on jättänyt patjan ja roskapusseja kierrätysastioiden viereen.",
            "Pakettiautollinen rakennusjätettä jätetty tien päähän pellon laitaan.",
        ),
        "es": (
            "Alguien ha tirado un colchón y bolsas de basura junto a los contenedores de reciclaje.",
            "Una furgoneta de escombros abandonada al final del camino, junto al descampado.",
        ),
        "pt": (
            "Alguém deixou um colchão e sacos de lixo ao lado dos ecopontos.",
            "Uma carrinha de entulho de obras despejada no fim da estrada, junto ao terreno.",
        ),
        "fr": (
            "Quelqu'un a déposé un matelas et des sacs poubelles à côté des bulles de tri.",
            "Une camionnette de gravats abandonnée au bout du chemin, près du champ.",
        ),
        "de": (
            "Jemand hat eine Matratze und Müllsäcke neben den Wertstoffcontainern abgeladen.",
            "Eine Ladung Bauschutt am Ende der Straße beim Feld abgekippt.",
        ),
    },
    "graffiti_vandalism": {
        "en": (
            "New graffiti tags all over the bus shelter, one of the panels is smashed.",
            "Cars along the street had their mirrors kicked off last night.",
        ),
        "nl": (
            "Nieuwe graffiti op het bushokje, een van de ruiten is ingegooid.",
            "Bij auto's in de straat zijn vannacht de spiegels eraf getrapt.",
        ),
        "pl": (
            "Nowe graffiti na całym przystanku, jedna z szyb jest rozbita.",
            "W nocy wzdłuż ulicy ktoś powyrywał lusterka w samochodach.",
        ),
        "fi": (
            "Uusia töhryjä koko bussikatoksessa, yksi laseista on rikottu.",
            "Kadun varrella olevista autoista on potkittu peilit irti viime yönä.",
        ),
        "es": (
            "Pintadas nuevas por toda la marquesina del autobús, uno de los cristales está roto.",
            "Anoche arrancaron a patadas los retrovisores de los coches de la calle.",
        ),
        "pt": (
            "Graffiti novo em toda a paragem de autocarro, um dos vidros está partido.",
            "Esta noite arrancaram os espelhos dos carros estacionados na rua.",
        ),
        "fr": (
            "Nouveaux tags partout sur l'abribus, une des vitres est brisée.",
            "Cette nuit, les rétroviseurs des voitures de la rue ont été arrachés.",
        ),
        "de": (
            "Neue Graffiti überall an der Bushaltestelle, eine Scheibe ist eingeschlagen.",
            "Letzte Nacht wurden in der Straße bei mehreren Autos die Spiegel abgetreten.",
        ),
    },
    "bike_theft": {
        "en": (
            "My bike was stolen from the rack at the station while I was at work.",
            "E-bike taken from outside the station, the lock was cut.",
        ),
        "nl": (
            "Mijn fiets is gestolen uit het rek bij het station terwijl ik aan het werk was.",
            "E-bike weggehaald bij het station, het slot is doorgeknipt.",
        ),
        "pl": (
            "Ukradziono mój rower ze stojaka przy dworcu, kiedy byłem w pracy.",
            "Rower elektryczny zabrany spod dworca, zapięcie zostało przecięte.",
        ),
        "fi": (
            "Pyöräni varastettiin aseman telineestä, kun olin töissä.",
            "Sähköpyörä vietiin aseman edestä, lukko oli katkaistu.",
        ),
        "es": (
            "Me robaron la bici del aparcabicis de la estación mientras estaba trabajando.",
            "Se llevaron mi bici eléctrica de la puerta de la estación, cortaron el candado.",
        ),
        "pt": (
            "Roubaram a minha bicicleta do estacionamento da estação enquanto estava a trabalhar.",
            "Levaram a bicicleta elétrica à porta da estação, o cadeado foi cortado.",
        ),
        "fr": (
            "Mon vélo a été volé au parking vélos de la gare pendant que j'étais au travail.",
            "Vélo électrique volé devant la gare, l'antivol a été coupé.",
        ),
        "de": (
            "Mein Fahrrad wurde am Bahnhof aus dem Ständer gestohlen, während ich arbeiten war.",
            "E-Bike vor dem Bahnhof gestohlen, das Schloss wurde durchgeschnitten.",
        ),
    },
    "burglary_past": {
        "en": (
            "Came home to find the back door forced and the laptop and jewellery gone.",
            "Our shed was broken into over the weekend, tools were taken.",
        ),
        "nl": (
            "Bij thuiskomst was de achterdeur opengebroken en waren de laptop en sieraden weg.",
            "In het weekend is er ingebroken in onze schuur, gereedschap is meegenomen.",
        ),
        "pl": (
            "Po powrocie do domu tylne drzwi były wyważone, zniknął laptop i biżuteria.",
            "W weekend ktoś włamał się do naszej komórki i zabrał narzędzia.",
        ),
        "fi": (
            "Kotiin tullessa takaovi oli murrettu ja kannettava sekä korut olivat poissa.",
            "Varastoomme murtauduttiin viikonloppuna, työkaluja vietiin.",
        ),
        "es": (
            "Al volver a casa la puerta trasera estaba forzada y faltaban el portátil y las joyas.",
            "Entraron en nuestro trastero el fin de semana y se llevaron herramientas.",
        ),
        "pt": (
            "Cheguei a casa e a porta das traseiras estava arrombada; levaram o portátil e as joias.",
            "Assaltaram a nossa arrecadação no fim de semana e levaram ferramentas.",
        ),
        "fr": (
            "En rentrant, la porte arrière était forcée ; l'ordinateur portable et les bijoux ont disparu.",
            "Notre abri de jardin a été cambriolé ce week-end, des outils ont été emportés.",
        ),
        "de": (
            "Als ich nach Hause kam, war die Hintertür aufgebrochen, Laptop und Schmuck waren weg.",
            "Am Wochenende wurde in unseren Schuppen eingebrochen, Werkzeug wurde gestohlen.",
        ),
    },
    "online_fraud": {
        "en": (
            "Paid for a phone on a marketplace site, the seller stopped answering.",
            "Bought concert tickets through a social media ad, they never arrived.",
        ),
        "nl": (
            "Betaald voor een telefoon op een verkoopsite, de verkoper reageert niet meer.",
            "Concertkaartjes gekocht via een advertentie op sociale media, nooit ontvangen.",
        ),
        "pl": (
            "Zapłaciłem za telefon na portalu ogłoszeniowym, sprzedawca przestał odpowiadać.",
            "Kupiłam bilety na koncert przez reklamę w mediach społecznościowych, nigdy nie dotarły.",
        ),
        "fi": (
            "Maksoin puhelimesta kirpputorisivustolla, myyjä lakkasi vastaamasta.",
            "Ostin konserttiliput somemainoksen kautta, niitä ei koskaan tullut.",
        ),
        "es": (
            "Pagué un móvil en una web de segunda mano y el vendedor dejó de contestar.",
            "Compré entradas para un concierto en un anuncio de redes sociales y nunca llegaron.",
        ),
        "pt": (
            "Paguei um telemóvel num site de anúncios e o vendedor deixou de responder.",
            "Comprei bilhetes para um concerto num anúncio nas redes sociais e nunca chegaram.",
        ),
        "fr": (
            "J'ai payé un téléphone sur un site de petites annonces, le vendeur ne répond plus.",
            "Billets de concert achetés via une publicité sur les réseaux sociaux, jamais reçus.",
        ),
        "de": (
            "Handy auf einem Kleinanzeigenportal bezahlt, der Verkäufer meldet sich nicht mehr.",
            "Konzertkarten über eine Social-Media-Anzeige gekauft, sie kamen nie an.",
        ),
    },
    "phishing": {
        "en": (
            "Got a text pretending to be my bank asking me to confirm my details via a link.",
            "Email from a fake parcel service asking for a payment, looks very real.",
        ),
        "nl": (
            "Sms ontvangen die zogenaamd van mijn bank komt, ik moest via een link mijn gegevens bevestigen.",
            "E-mail van een nep-pakketdienst die om een betaling vraagt, ziet er heel echt uit.",
        ),
        "pl": (
            "Dostałem SMS-a rzekomo z banku z prośbą o potwierdzenie danych przez link.",
            "E-mail od fałszywej firmy kurierskiej z prośbą o dopłatę, wygląda bardzo wiarygodnie.",
        ),
        "fi": (
            "Sain tekstiviestin, joka esiintyi pankkinani ja pyysi vahvistamaan tiedot linkin kautta.",
            "Sähköposti valepakettipalvelulta, joka pyytää maksua, näyttää tosi aidolta.",
        ),
        "es": (
            "Me llegó un SMS haciéndose pasar por mi banco pidiendo confirmar mis datos en un enlace.",
            "Correo de una falsa empresa de paquetería pidiendo un pago, parece muy real.",
        ),
        "pt": (
            "Recebi um SMS a fingir ser do meu banco a pedir para confirmar os dados num link.",
            "Email de uma falsa empresa de entregas a pedir um pagamento, parece muito real.",
        ),
        "fr": (
            "Reçu un SMS se faisant passer pour ma banque, il fallait confirmer mes données via un lien.",
            "E-mail d'un faux service de livraison demandant un paiement, il a l'air très réel.",
        ),
        "de": (
            "SMS angeblich von meiner Bank erhalten, ich sollte meine Daten über einen Link bestätigen.",
            "E-Mail eines falschen Paketdienstes mit Zahlungsaufforderung, sieht sehr echt aus.",
        ),
    },
    "hate_incident": {
        "en": (
            "A neighbour was insulted because of her headscarf at the tram stop.",
            "Racist slogans painted on the door of the community centre.",
        ),
        "nl": (
            "Een buurvrouw werd bij de tramhalte uitgescholden vanwege haar hoofddoek.",
            "Racistische leuzen op de deur van het buurthuis geschilderd.",
        ),
        "pl": (
            "Sąsiadka została znieważona na przystanku tramwajowym z powodu chusty.",
            "Na drzwiach domu kultury namalowano rasistowskie hasła.",
        ),
        "fi": (
            "Naapuriani herjattiin raitiovaunupysäkillä hänen huivinsa takia.",
            "Asukastalon oveen on maalattu rasistisia iskulauseita.",
        ),
        "es": (
            "Insultaron a una vecina en la parada del tranvía por llevar pañuelo.",
            "Han pintado lemas racistas en la puerta del centro cívico.",
        ),
        "pt": (
            "Uma vizinha foi insultada na paragem do elétrico por usar lenço.",
            "Pintaram frases racistas na porta do centro comunitário.",
        ),
        "fr": (
            "Une voisine a été insultée à l'arrêt de tram à cause de son foulard.",
            "Des slogans racistes peints sur la porte de la maison de quartier.",
        ),
        "de": (
            "Eine Nachbarin wurde an der Straßenbahnhaltestelle wegen ihres Kopftuchs beschimpft.",
            "Rassistische Parolen an die Tür des Nachbarschaftszentrums gesprüht.",
        ),
    },
    "radicalisation_concern": {
        "en": (
            "Worried about a young relative who shares extremist videos and has cut off his friends.",
            "A classmate talks more and more about violence and follows extremist channels.",
        ),
        "nl": (
            "Zorgen over een jong familielid dat extremistische filmpjes deelt en zich afsluit van vrienden.",
            "Een klasgenoot praat steeds vaker over geweld en volgt extremistische kanalen.",
        ),
        "pl": (
            "Martwię się o młodego krewnego, który udostępnia ekstremistyczne filmy i unika przyjaciół.",
            "Kolega z klasy coraz częściej mówi o przemocy i śledzi ekstremistyczne kanały.",
        ),
        "fi": (
            "Olen huolissani nuoresta sukulaisesta, joka jakaa ääriliikkeiden videoita ja karttaa ystäviä.",
            "Luokkakaveri puhuu yhä enemmän väkivallasta ja seuraa ääriliikkeiden kanavia.",
        ),
        "es": (
            "Me preocupa un familiar joven que comparte vídeos extremistas y se ha alejado de sus amigos.",
            "Un compañero de clase habla cada vez más de violencia y sigue canales extremistas.",
        ),
        "pt": (
            "Estou preocupada com um familiar jovem que partilha vídeos extremistas e se afastou dos amigos.",
            "Um colega de turma fala cada vez mais de violência e segue canais extremistas.",
        ),
        "fr": (
            "Inquiet pour un jeune proche qui partage des vidéos extrémistes et s'est coupé de ses amis.",
            "Un camarade de classe parle de plus en plus de violence et suit des chaînes extrémistes.",
        ),
        "de": (
            "Sorge um einen jungen Verwandten, der extremistische Videos teilt und Freunde meidet.",
            "Ein Mitschüler spricht immer öfter über Gewalt und folgt extremistischen Kanälen.",
        ),
    },
    "vulnerable_person": {
        "en": (
            "An elderly man seems confused and has been wandering the street in his slippers.",
            "A woman has been sleeping in the park for days and looks unwell.",
        ),
        "nl": (
            "Een oudere man lijkt verward en loopt op zijn pantoffels over straat.",
            "Een vrouw slaapt al dagen in het park en ziet er niet goed uit.",
        ),
        "pl": (
            "Starszy mężczyzna wydaje się zdezorientowany i chodzi po ulicy w kapciach.",
            "Od kilku dni w parku śpi kobieta, wygląda na chorą.",
        ),
        "fi": (
            "Iäkäs mies vaikuttaa sekavalta ja kävelee kadulla tohveleissa.",
            "Nainen on nukkunut puistossa jo päiviä ja näyttää huonovointiselta.",
        ),
        "es": (
            "Un señor mayor parece desorientado y va por la calle en zapatillas de casa.",
            "Una mujer lleva días durmiendo en el parque y tiene mal aspecto.",
        ),
        "pt": (
            "Um senhor idoso parece confuso e anda pela rua de chinelos.",
            "Uma mulher dorme no jardim há dias e parece doente.",
        ),
        "fr": (
            "Un homme âgé semble désorienté et erre dans la rue en pantoufles.",
            "Une femme dort dans le parc depuis plusieurs jours et semble mal en point.",
        ),
        "de": (
            "Ein älterer Mann wirkt verwirrt und läuft in Hausschuhen auf der Straße umher.",
            "Eine Frau schläft seit Tagen im Park und sieht krank aus.",
        ),
    },
    "domestic_concern": {
        "en": (
            "Again loud shouting and banging from the flat next door, a child is crying.",
            "I hear threats and things being thrown in the neighbours' flat most nights.",
        ),
        "nl": (
            "Weer hard geschreeuw en gebonk uit de buurwoning, een kind huilt.",
            "Ik hoor bijna elke nacht bedreigingen en gegooi met spullen bij de buren.",
        ),
        "pl": (
            "Znowu głośne krzyki i łomot z mieszkania obok, płacze dziecko.",
            "Prawie każdej nocy słyszę groźby i rzucanie rzeczami u sąsiadów.",
        ),
        "fi": (
            "Taas kovaa huutoa ja kolinaa naapuriasunnosta, lapsi itkee.",
            "Kuulen naapurista lähes joka yö uhkailua ja tavaroiden heittelyä.",
        ),
        "es": (
            "Otra vez gritos y golpes en el piso de al lado, y un niño llorando.",
            "Casi todas las noches oigo amenazas y cosas que se rompen en casa de los vecinos.",
        ),
        "pt": (
            "Outra vez gritos e pancadas no apartamento ao lado, uma criança a chorar.",
            "Quase todas as noites ouço ameaças e coisas a serem atiradas em casa dos vizinhos.",
        ),
        "fr": (
            "Encore des cris et des coups dans l'appartement voisin, un enfant pleure.",
            "J'entends presque chaque nuit des menaces et des objets lancés chez les voisins.",
        ),
        "de": (
            "Wieder lautes Schreien und Poltern aus der Nachbarwohnung, ein Kind weint.",
            "Fast jede Nacht höre ich Drohungen und wie bei den Nachbarn Dinge geworfen werden.",
        ),
    },
    "lost_property": {
        "en": (
            "Lost my wallet somewhere between the tram stop and the supermarket.",
            "Found a set of keys on the bench by the playground.",
        ),
        "nl": (
            "Mijn portemonnee verloren ergens tussen de tramhalte en de supermarkt.",
            "Een bos sleutels gevonden op het bankje bij de speeltuin.",
        ),
        "pl": (
            "Zgubiłem portfel gdzieś między przystankiem tramwajowym a supermarketem.",
            "Znalazłam pęk kluczy na ławce przy placu zabaw.",
        ),
        "fi": (
            "Hukkasin lompakkoni jonnekin raitiovaunupysäkin ja kaupan välille.",
            "Löysin avainnipun leikkipuiston penkiltä.",
        ),
        "es": (
            "Perdí la cartera entre la parada del tranvía y el supermercado.",
            "He encontrado unas llaves en el banco junto al parque infantil.",
        ),
        "pt": (
            "Perdi a carteira algures entre a paragem do elétrico e o supermercado.",
            "Encontrei um molho de chaves no banco ao pé do parque infantil.",
        ),
        "fr": (
            "J'ai perdu mon portefeuille entre l'arrêt de tram et le supermarché.",
            "Trouvé un trousseau de clés sur le banc près de l'aire de jeux.",
        ),
        "de": (
            "Geldbörse irgendwo zwischen Straßenbahnhaltestelle und Supermarkt verloren.",
            "Schlüsselbund auf der Bank am Spielplatz gefunden.",
        ),
    },
    "street_lighting": {
        "en": (
            "Three street lights in a row are out, the path is pitch dark.",
            "The lamp post on the corner keeps flickering all night.",
        ),
        "nl": (
            "Drie lantaarnpalen op rij zijn uit, het pad is pikdonker.",
            "De lantaarnpaal op de hoek knippert de hele nacht.",
        ),
        "pl": (
            "Trzy latarnie z rzędu nie świecą, na ścieżce jest zupełnie ciemno.",
            "Latarnia na rogu miga przez całą noc.",
        ),
        "fi": (
            "Kolme katuvaloa peräkkäin on pimeänä, polku on säkkipimeä.",
            "Kulman katuvalo vilkkuu koko yön.",
        ),
        "es": (
            "Tres farolas seguidas están apagadas, el camino está totalmente a oscuras.",
            "La farola de la esquina parpadea toda la noche.",
        ),
        "pt": (
            "Três candeeiros seguidos estão apagados, o caminho está completamente às escuras.",
            "O candeeiro da esquina está sempre a piscar durante a noite.",
        ),
        "fr": (
            "Trois lampadaires d'affilée sont éteints, le chemin est plongé dans le noir.",
            "Le lampadaire au coin de la rue clignote toute la nuit.",
        ),
        "de": (
            "Drei Straßenlaternen hintereinander sind aus, der Weg ist stockdunkel.",
            "Die Laterne an der Ecke flackert die ganze Nacht.",
        ),
    },
    "road_damage": {
        "en": (
            "Deep pothole in the cycle lane, a cyclist nearly fell.",
            "Loose paving stones on the pavement, an older lady tripped.",
        ),
        "nl": (
            "Diep gat in de fietsstrook, een fietser viel bijna.",
            "Losliggende stoeptegels, een oudere dame is gestruikeld.",
        ),
        "pl": (
            "Głęboka dziura na pasie rowerowym, rowerzysta prawie się przewrócił.",
            "Luźne płyty chodnikowe, starsza pani się potknęła.",
        ),
        "fi": (
            "Syvä kuoppa pyöräkaistalla, pyöräilijä oli vähällä kaatua.",
            "Irtonaisia kiveyksiä jalkakäytävällä, iäkäs nainen kompastui.",
        ),
        "es": (
            "Un bache profundo en el carril bici, un ciclista casi se cae.",
            "Baldosas sueltas en la acera, una señora mayor tropezó.",
        ),
        "pt": (
            "Buraco fundo na ciclovia, um ciclista quase caiu.",
            "Calçada solta no passeio, uma senhora idosa tropeçou.",
        ),
        "fr": (
            "Nid-de-poule profond sur la bande cyclable, un cycliste a failli tomber.",
            "Pavés descellés sur le trottoir, une dame âgée a trébuché.",
        ),
        "de": (
            "Tiefes Schlagloch auf dem Radstreifen, ein Radfahrer wäre fast gestürzt.",
            "Lose Gehwegplatten, eine ältere Dame ist gestolpert.",
        ),
    },
    "police_feedback": {
        "en": (
            "Thanks to the officers who helped after the break-in, very kind and quick.",
            "Nobody called me back about my report from last month.",
        ),
        "nl": (
            "Dank aan de agenten die hielpen na de inbraak, heel vriendelijk en snel.",
            "Niemand heeft me teruggebeld over mijn melding van vorige maand.",
        ),
        "pl": (
            "Dziękuję policjantom, którzy pomogli po włamaniu, bardzo mili i szybcy.",
            "Nikt do mnie nie oddzwonił w sprawie zgłoszenia z zeszłego miesiąca.",
        ),
        "fi": (
            "Kiitos poliiseille, jotka auttoivat murron jälkeen, todella ystävällisiä ja nopeita.",
            "Kukaan ei ole soittanut takaisin viime kuun ilmoituksestani.",
        ),
        "es": (
            "Gracias a los agentes que nos ayudaron tras el robo, muy amables y rápidos.",
            "Nadie me ha devuelto la llamada sobre mi denuncia del mes pasado.",
        ),
        "pt": (
            "Obrigado aos agentes que ajudaram depois do assalto, muito simpáticos e rápidos.",
            "Ninguém me ligou de volta sobre a minha denúncia do mês passado.",
        ),
        "fr": (
            "Merci aux agents qui nous ont aidés après le cambriolage, très aimables et rapides.",
            "Personne ne m'a rappelé au sujet de mon signalement du mois dernier.",
        ),
        "de": (
            "Danke an die Beamten, die nach dem Einbruch geholfen haben, sehr freundlich und schnell.",
            "Niemand hat mich wegen meiner Meldung vom letzten Monat zurückgerufen.",
        ),
    },
    "contact_neighbourhood_officer": {
        "en": (
            "I would like to talk to our community officer about the nuisance in our street.",
            "Could the neighbourhood officer come to our residents' meeting next month?",
        ),
        "nl": (
            "Ik wil graag met onze wijkagent praten over de overlast in onze straat.",
            "Kan de wijkagent volgende maand naar onze bewonersvergadering komen?",
        ),
        "pl": (
            "Chciałbym porozmawiać z naszym dzielnicowym o uciążliwościach na naszej ulicy.",
            "Czy dzielnicowy mógłby przyjść na zebranie mieszkańców w przyszłym miesiącu?",
        ),
        "fi": (
            "Haluaisin puhua lähipoliisin kanssa kadullamme olevista häiriöistä.",
            "Voisiko lähipoliisi tulla asukaskokoukseemme ensi kuussa?",
        ),
        "es": (
            "Me gustaría hablar con el agente de barrio sobre las molestias en nuestra calle.",
            "¿Podría el agente de barrio venir a la reunión de vecinos del mes que viene?",
        ),
        "pt": (
            "Gostaria de falar com o agente de proximidade sobre os incómodos na nossa rua.",
            "O agente de proximidade podia vir à reunião de moradores do próximo mês?",
        ),
        "fr": (
            "J'aimerais parler à notre agent de quartier des nuisances dans notre rue.",
            "L'agent de quartier pourrait-il venir à notre réunion de riverains le mois prochain ?",
        ),
        "de": (
            "Ich möchte mit unserem Kontaktbeamten über die Störungen in unserer Straße sprechen.",
            "Könnte der Bezirksbeamte nächsten Monat zu unserer Anwohnerversammlung kommen?",
        ),
    },
}

# Appended to some reports of these groups, for variety.
RECURRING_GROUPS: Final = frozenset({"nuisance", "traffic", "environment", "municipal"})
SUFFIXES: Final[dict[str, tuple[str, ...]]] = {
    "en": (
        "This happens almost every week.",
        "Please send someone to have a look.",
        "Other neighbours have noticed it too.",
    ),
    "nl": (
        "Dit gebeurt bijna elke week.",
        "Graag iemand langs laten komen.",
        "Andere buren hebben het ook gemerkt.",
    ),
    "pl": (
        "Zdarza się to prawie co tydzień.",
        "Proszę przysłać kogoś, żeby to sprawdził.",
        "Inni sąsiedzi też to zauważyli.",
    ),
    "fi": (
        "Tätä tapahtuu melkein joka viikko.",
        "Voisiko joku tulla katsomaan?",
        "Muutkin naapurit ovat huomanneet tämän.",
    ),
    "es": (
        "Esto pasa casi todas las semanas.",
        "Por favor, manden a alguien a echar un vistazo.",
        "Otros vecinos también lo han notado.",
    ),
    "pt": (
        "Isto acontece quase todas as semanas.",
        "Por favor mandem alguém ver.",
        "Outros vizinhos também já repararam.",
    ),
    "fr": (
        "Cela arrive presque chaque semaine.",
        "Merci d'envoyer quelqu'un sur place.",
        "D'autres voisins l'ont aussi remarqué.",
    ),
    "de": (
        "Das passiert fast jede Woche.",
        "Bitte schicken Sie jemanden vorbei.",
        "Andere Nachbarn haben es auch bemerkt.",
    ),
}

# What officers tell the reporter at each status change (the transition's public note).
PUBLIC_NOTES: Final[dict[Status, dict[str, tuple[str, str]]]] = {
    Status.VERIFYING: {
        "en": ("We are looking into your report.", "An officer is checking the situation."),
        "nl": ("We bekijken uw melding.", "Een agent gaat de situatie controleren."),
        "pl": ("Sprawdzamy Twoje zgłoszenie.", "Funkcjonariusz weryfikuje sytuację."),
        "fi": ("Selvitämme ilmoitustasi.", "Poliisi tarkistaa tilanteen."),
        "es": ("Estamos revisando su aviso.", "Un agente está comprobando la situación."),
        "pt": ("Estamos a analisar a sua denúncia.", "Um agente está a verificar a situação."),
        "fr": ("Nous examinons votre signalement.", "Un agent vérifie la situation."),
        "de": ("Wir prüfen Ihre Meldung.", "Ein Beamter prüft die Lage vor Ort."),
    },
    Status.CONFIRMED: {
        "en": ("The problem has been confirmed; we will take action.", "Confirmed by an officer on site."),
        "nl": (
            "Het probleem is bevestigd; we gaan ermee aan de slag.",
            "Ter plaatse bevestigd door een agent.",
        ),
        "pl": (
            "Problem został potwierdzony; podejmiemy działania.",
            "Potwierdzone przez funkcjonariusza na miejscu.",
        ),
        "fi": ("Ongelma on vahvistettu; ryhdymme toimiin.", "Poliisi vahvisti tilanteen paikan päällä."),
        "es": ("Hemos confirmado el problema y vamos a actuar.", "Confirmado por un agente en el lugar."),
        "pt": ("O problema foi confirmado; vamos agir.", "Confirmado por um agente no local."),
        "fr": ("Le problème est confirmé ; nous allons intervenir.", "Confirmé par un agent sur place."),
        "de": ("Das Problem wurde bestätigt; wir kümmern uns darum.", "Vor Ort von einem Beamten bestätigt."),
    },
    Status.IN_PROGRESS: {
        "en": ("We are working on it; extra patrols are planned.", "The case has been assigned to a team."),
        "nl": (
            "We zijn ermee bezig; er worden extra surveillances ingepland.",
            "De zaak is toegewezen aan een team.",
        ),
        "pl": ("Pracujemy nad tym; zaplanowano dodatkowe patrole.", "Sprawa została przydzielona zespołowi."),
        "fi": ("Asiaa hoidetaan; lisäpartiointia on suunniteltu.", "Asia on annettu tiimin hoidettavaksi."),
        "es": (
            "Estamos trabajando en ello; hay patrullas adicionales previstas.",
            "El caso se ha asignado a un equipo.",
        ),
        "pt": (
            "Estamos a tratar do assunto; estão previstas patrulhas adicionais.",
            "O caso foi atribuído a uma equipa.",
        ),
        "fr": (
            "Nous nous en occupons ; des patrouilles supplémentaires sont prévues.",
            "Le dossier a été confié à une équipe.",
        ),
        "de": (
            "Wir kümmern uns darum; zusätzliche Streifen sind geplant.",
            "Der Fall wurde einem Team übergeben.",
        ),
    },
    Status.RESOLVED: {
        "en": (
            "Resolved. Thank you for your report.",
            "Officers dealt with it on site. Thank you for letting us know.",
        ),
        "nl": (
            "Afgehandeld. Dank voor uw melding.",
            "Agenten hebben het ter plaatse opgelost. Dank dat u het meldde.",
        ),
        "pl": (
            "Sprawa załatwiona. Dziękujemy za zgłoszenie.",
            "Funkcjonariusze rozwiązali problem na miejscu. Dziękujemy za informację.",
        ),
        "fi": (
            "Asia on hoidettu. Kiitos ilmoituksestasi.",
            "Poliisi hoiti asian paikan päällä. Kiitos tiedosta.",
        ),
        "es": (
            "Resuelto. Gracias por su aviso.",
            "Los agentes lo resolvieron en el lugar. Gracias por avisarnos.",
        ),
        "pt": (
            "Resolvido. Obrigado pela sua denúncia.",
            "Os agentes resolveram a situação no local. Obrigado por nos avisar.",
        ),
        "fr": (
            "Résolu. Merci pour votre signalement.",
            "Les agents ont réglé la situation sur place. Merci de nous avoir prévenus.",
        ),
        "de": (
            "Erledigt. Vielen Dank für Ihre Meldung.",
            "Die Beamten haben das vor Ort geklärt. Danke für Ihren Hinweis.",
        ),
    },
    Status.REFERRED: {
        "en": (
            "Passed on to the municipality, which is responsible for this.",
            "Forwarded to the responsible partner.",
        ),
        "nl": (
            "Doorgestuurd naar de gemeente, die hiervoor verantwoordelijk is.",
            "Doorgezet naar de verantwoordelijke partner.",
        ),
        "pl": (
            "Przekazano do urzędu miasta, który za to odpowiada.",
            "Przekazano do odpowiedzialnej instytucji.",
        ),
        "fi": (
            "Välitetty kaupungille, joka vastaa asiasta.",
            "Välitetty vastuussa olevalle yhteistyökumppanille.",
        ),
        "es": (
            "Remitido al ayuntamiento, que es el responsable.",
            "Remitido a la entidad colaboradora responsable.",
        ),
        "pt": (
            "Encaminhado para a câmara municipal, a entidade responsável.",
            "Encaminhado para a entidade parceira responsável.",
        ),
        "fr": (
            "Transmis à la commune, qui est compétente.",
            "Transmis à l'organisation partenaire compétente.",
        ),
        "de": (
            "An die Stadt weitergeleitet, die dafür zuständig ist.",
            "An die zuständige Partnerorganisation weitergeleitet.",
        ),
    },
    Status.UNCONFIRMED: {
        "en": (
            "Officers checked but found nothing on arrival.",
            "We could not confirm the situation. Please report again if it happens again.",
        ),
        "nl": (
            "Agenten zijn gaan kijken maar troffen niets aan.",
            "We konden de situatie niet bevestigen. Meld het gerust opnieuw als het weer gebeurt.",
        ),
        "pl": (
            "Funkcjonariusze sprawdzili, ale na miejscu niczego nie stwierdzili.",
            "Nie udało się potwierdzić sytuacji. Prosimy o ponowne zgłoszenie, jeśli się powtórzy.",
        ),
        "fi": (
            "Poliisi kävi paikalla, mutta mitään ei havaittu.",
            "Tilannetta ei voitu vahvistaa. Ilmoita uudelleen, jos tilanne toistuu.",
        ),
        "es": (
            "Los agentes acudieron pero no encontraron nada.",
            "No hemos podido confirmar la situación. Vuelva a avisarnos si se repite.",
        ),
        "pt": (
            "Os agentes foram ao local mas não encontraram nada.",
            "Não foi possível confirmar a situação. Volte a avisar se acontecer de novo.",
        ),
        "fr": (
            "Les agents sont passés mais n'ont rien constaté.",
            "Nous n'avons pas pu confirmer la situation. Signalez-le à nouveau si cela se reproduit.",
        ),
        "de": (
            "Die Beamten waren vor Ort, konnten aber nichts feststellen.",
            "Wir konnten die Lage nicht bestätigen. Bitte melden Sie sich erneut, wenn es wieder passiert.",
        ),
    },
    Status.REJECTED: {
        "en": (
            "This report does not concern a matter for the police.",
            "We cannot act on this report; it contains too little information.",
        ),
        "nl": (
            "Deze melding is geen zaak voor de politie.",
            "We kunnen niets met deze melding; er staat te weinig informatie in.",
        ),
        "pl": (
            "To zgłoszenie nie dotyczy spraw policji.",
            "Nie możemy podjąć działań; zgłoszenie zawiera za mało informacji.",
        ),
        "fi": (
            "Ilmoitus ei koske poliisin hoidettavaa asiaa.",
            "Emme voi toimia ilmoituksen perusteella, siinä on liian vähän tietoja.",
        ),
        "es": (
            "Este aviso no es competencia de la policía.",
            "No podemos actuar con este aviso; contiene muy poca información.",
        ),
        "pt": (
            "Esta denúncia não diz respeito a um assunto policial.",
            "Não podemos agir com base nesta denúncia; tem pouca informação.",
        ),
        "fr": (
            "Ce signalement ne relève pas de la police.",
            "Nous ne pouvons pas donner suite : le signalement contient trop peu d'informations.",
        ),
        "de": (
            "Diese Meldung betrifft keine polizeiliche Angelegenheit.",
            "Wir können nicht tätig werden; die Meldung enthält zu wenige Angaben.",
        ),
    },
    Status.DUPLICATE: {
        "en": (
            "This was already reported; we are handling it under the earlier report.",
            "Linked to an earlier report of the same problem.",
        ),
        "nl": (
            "Dit was al gemeld; we behandelen het onder de eerdere melding.",
            "Gekoppeld aan een eerdere melding van hetzelfde probleem.",
        ),
        "pl": (
            "To zostało już zgłoszone; zajmujemy się tym w ramach wcześniejszego zgłoszenia.",
            "Połączono z wcześniejszym zgłoszeniem tego samego problemu.",
        ),
        "fi": (
            "Tästä oli jo ilmoitettu; käsittelemme asiaa aiemman ilmoituksen yhteydessä.",
            "Yhdistetty aiempaan ilmoitukseen samasta ongelmasta.",
        ),
        "es": (
            "Ya se había avisado; lo tratamos junto con el aviso anterior.",
            "Vinculado a un aviso anterior sobre el mismo problema.",
        ),
        "pt": (
            "Isto já tinha sido denunciado; estamos a tratar no âmbito da denúncia anterior.",
            "Associado a uma denúncia anterior sobre o mesmo problema.",
        ),
        "fr": (
            "Cela a déjà été signalé ; nous le traitons avec le signalement précédent.",
            "Lié à un signalement antérieur du même problème.",
        ),
        "de": (
            "Das wurde bereits gemeldet; wir bearbeiten es unter der früheren Meldung.",
            "Mit einer früheren Meldung zum selben Problem verknüpft.",
        ),
    },
}

# Officers' own notes, in the tenant's first language.
INTERNAL_NOTES: Final[dict[str, tuple[str, ...]]] = {
    "en": (
        "Known location, several earlier reports.",
        "Tried to call the reporter back, no answer.",
        "Discussed in the morning briefing.",
        "Follow-up by the community officer.",
    ),
    "nl": (
        "Bekende locatie, meerdere eerdere meldingen.",
        "Melder teruggebeld, geen gehoor.",
        "Besproken in de ochtendbriefing.",
        "Opvolging door de wijkagent.",
    ),
    "pl": (
        "Znana lokalizacja, kilka wcześniejszych zgłoszeń.",
        "Próba kontaktu ze zgłaszającym, bez odpowiedzi.",
        "Omówione na porannej odprawie.",
        "Dalsze działania: dzielnicowy.",
    ),
    "fi": (
        "Tuttu paikka, useita aiempia ilmoituksia.",
        "Yritetty soittaa ilmoittajalle, ei vastausta.",
        "Käsitelty aamupalaverissa.",
        "Lähipoliisi jatkaa asian seurantaa.",
    ),
    "es": (
        "Ubicación conocida, varios avisos anteriores.",
        "Se intentó llamar al denunciante, sin respuesta.",
        "Tratado en la reunión de la mañana.",
        "Seguimiento por el agente de barrio.",
    ),
    "pt": (
        "Local conhecido, várias denúncias anteriores.",
        "Tentámos ligar ao denunciante, sem resposta.",
        "Discutido no briefing da manhã.",
        "Acompanhamento pelo agente de proximidade.",
    ),
    "fr": (
        "Lieu connu, plusieurs signalements antérieurs.",
        "Tentative de rappel du déclarant, sans réponse.",
        "Évoqué au briefing du matin.",
        "Suivi par l'agent de quartier.",
    ),
    "de": (
        "Bekannter Ort, mehrere frühere Meldungen.",
        "Meldenden zurückgerufen, niemand erreicht.",
        "In der Morgenbesprechung besprochen.",
        "Nachverfolgung durch den Bezirksbeamten.",
    ),
}

# Free-text answer of a burglary, per description variant.
ITEMS_STOLEN: Final[dict[str, tuple[str, str]]] = {
    "en": ("laptop, jewellery, some cash", "drill and other tools"),
    "nl": ("laptop, sieraden, wat contant geld", "boormachine en ander gereedschap"),
    "pl": ("laptop, biżuteria, trochę gotówki", "wiertarka i inne narzędzia"),
    "fi": ("kannettava tietokone, korut, vähän käteistä", "porakone ja muita työkaluja"),
    "es": ("portátil, joyas, algo de dinero", "taladro y otras herramientas"),
    "pt": ("portátil, joias, algum dinheiro", "berbequim e outras ferramentas"),
    "fr": ("ordinateur portable, bijoux, un peu d'argent liquide", "perceuse et autres outils"),
    "de": ("Laptop, Schmuck, etwas Bargeld", "Bohrmaschine und anderes Werkzeug"),
}

# Answers that make a description variant true (question code → value), per category and variant.
VARIANT_ANSWERS: Final[dict[str, tuple[dict[str, Any], dict[str, Any]]]] = {
    "noise_night": ({"noise_source": "music"}, {"noise_source": "shouting"}),
    "antisocial_behaviour": ({"behaviour": ["public_drinking", "intimidation"]}, {"behaviour": ["fighting"]}),
    "drug_nuisance": ({"activity": ["dealing"]}, {"activity": ["needles", "smell"]}),
    "speeding": ({"vehicle_type": "car", "near_school": True}, {"vehicle_type": "motorcycle"}),
    "dangerous_parking": ({"obstruction": ["pavement", "crossing"]}, {"obstruction": ["cycle_path"]}),
    "traffic_danger": ({"danger_type": "red_light"}, {"danger_type": "poor_visibility"}),
    "illegal_dumping": (
        {"waste_type": ["furniture", "household"]},
        {"waste_type": ["building_rubble"], "volume": "van_load"},
    ),
    "graffiti_vandalism": ({"target": "public_transport"}, {"target": "vehicle"}),
    "bike_theft": ({}, {"bike_type": "e_bike", "locked": True}),
    "burglary_past": ({"premises": "house", "entry_method": "door"}, {"premises": "shed_garage"}),
    "phishing": ({"received_via": "sms"}, {"received_via": "email"}),
    "hate_incident": (
        {"incident_type": "verbal", "motive": ["religion"]},
        {"incident_type": "property", "motive": ["origin"]},
    ),
    "radicalisation_concern": (
        {"signs": ["propaganda", "isolation"], "relation": "family", "person_age": "minor"},
        {"signs": ["violence_interest", "extremist_statements"], "relation": "school_work"},
    ),
    "vulnerable_person": ({"concern": ["confusion"], "person_age": "older"}, {"concern": ["homelessness"]}),
    "domestic_concern": (
        {"observed": ["shouting", "violence_sounds", "crying_child"], "children_present": "yes"},
        {"observed": ["threats"], "frequency": "often"},
    ),
    "lost_property": (
        {"lost_or_found": "lost", "item_type": "wallet"},
        {"lost_or_found": "found", "item_type": "keys"},
    ),
    "street_lighting": (
        {"problem": "out", "lamps_affected": 3},
        {"problem": "flickering", "lamps_affected": 1},
    ),
    "road_damage": (
        {"damage_type": "pothole", "hazard_for": ["cyclists"]},
        {"damage_type": "loose_paving", "hazard_for": ["pedestrians"]},
    ),
    "police_feedback": (
        {"feedback_type": "compliment", "satisfaction": 5},
        {"feedback_type": "complaint", "wants_response": True},
    ),
    "contact_neighbourhood_officer": ({"topic": "local_problem"}, {"topic": "meeting"}),
}

MARKETPLACES: Final[dict[str, tuple[str, ...]]] = {
    "NL": ("Marktplaats", "Facebook Marketplace", "Vinted", "Instagram"),
    "PL": ("OLX", "Allegro Lokalnie", "Facebook Marketplace", "Vinted"),
    "FI": ("Tori.fi", "Facebook Marketplace", "Huuto.net", "Instagram"),
    "ES": ("Wallapop", "Milanuncios", "Facebook Marketplace", "Vinted"),
    "PT": ("OLX", "CustoJusto", "Facebook Marketplace", "Vinted"),
    "BE": ("2ememain / 2dehands", "Facebook Marketplace", "Vinted", "Instagram"),
}
# Licence plate shapes per country: L a letter, D a digit.
PLATES: Final[dict[str, str]] = {
    "NL": "LL-DDD-L",
    "PL": "WL DDDDD",
    "FI": "LLL-DDD",
    "ES": "DDDD LLL",
    "PT": "LL-DD-LL",
    "BE": "D-LLL-DDD",
}

# ================================================================================================ places

METRES_PER_DEGREE: Final = 111_320.0

NIGHTLIFE: Final = "nightlife"
SCHOOL: Final = "school"
EDGE: Final = "edge"
STATION: Final = "station"
EMERGING: Final = "emerging"
HOME: Final = "home"  # diffuse: online crime, reported from where people live
BACKGROUND: Final = "background"  # diffuse: everything else

# Which categories each kind of place produces (relative weights; a category the tenant lacks is skipped).
KIND_CATEGORIES: Final[dict[str, dict[str, float]]] = {
    NIGHTLIFE: {"noise_night": 0.5, "antisocial_behaviour": 0.3, "drug_nuisance": 0.2},
    SCHOOL: {"speeding": 0.45, "dangerous_parking": 0.4, "traffic_danger": 0.15},
    EDGE: {"illegal_dumping": 0.85, "graffiti_vandalism": 0.15},
    STATION: {
        "bike_theft": 0.75,
        "lost_property": 0.12,
        "graffiti_vandalism": 0.08,
        "antisocial_behaviour": 0.05,
    },
    EMERGING: {"noise_night": 1.0},
    HOME: {"online_fraud": 0.55, "phishing": 0.45},
}
# Share of a tenant's reports per kind (EMERGING: per emerging block); BACKGROUND takes the rest.
KIND_SHARES: Final[dict[str, float]] = {
    NIGHTLIFE: 0.20,
    SCHOOL: 0.13,
    EDGE: 0.07,
    STATION: 0.08,
    HOME: 0.10,
    EMERGING: 0.012,
}
# Diffuse reports: relative weights; a category of a city plugin not named here weighs DEFAULT_WEIGHT.
BACKGROUND_WEIGHTS: Final[dict[str, float]] = {
    "noise_night": 8,
    "antisocial_behaviour": 5,
    "drug_nuisance": 3,
    "speeding": 5,
    "dangerous_parking": 8,
    "traffic_danger": 4,
    "illegal_dumping": 4,
    "graffiti_vandalism": 7,
    "bike_theft": 5,
    "burglary_past": 5,
    "online_fraud": 0,
    "phishing": 0,
    "hate_incident": 1.5,
    "radicalisation_concern": 0.5,
    "vulnerable_person": 2.5,
    "domestic_concern": 2,
    "lost_property": 5,
    "street_lighting": 6,
    "road_damage": 6,
    "police_feedback": 2,
    "contact_neighbourhood_officer": 3,
}
DEFAULT_WEIGHT: Final = 2.0
# Spread of the diffuse kinds, as a share of the distance from the centre to the bbox edge.
DIFFUSE_SPREAD: Final = {BACKGROUND: 0.28, HOME: 0.35}
# Reports without a location (online or general matters); other categories: MISSING_LOCATION_SHARE.
NO_LOCATION_SHARES: Final[dict[str, float]] = {
    "online_fraud": 0.25,
    "phishing": 0.35,
    "radicalisation_concern": 0.5,
    "police_feedback": 0.5,
    "contact_neighbourhood_officer": 0.4,
}
MISSING_LOCATION_SHARE: Final = 0.02


@dataclass(frozen=True)
class Hotspot:
    """A place where reports cluster; `kind` decides their categories and rhythm (see KIND_CATEGORIES)."""

    kind: str
    name: str
    lat: float
    lon: float
    spread_m: float  # standard deviation of the reports' offset from the centre, per axis, in metres


class _Frame:
    """Metres east/north of the tenant's centre ↔ latitude/longitude, and its bbox in those metres."""

    def __init__(self, tenant: Tenant) -> None:
        west, south, east, north = tenant.area.bbox
        self.bbox = (west, south, east, north)
        centre = tenant.area.centre
        if centre is None or not tenant.area.contains(*centre):
            centre = ((south + north) / 2, (west + east) / 2)
        self.lat0, self.lon0 = centre
        self.m_lat = METRES_PER_DEGREE
        self.m_lon = METRES_PER_DEGREE * math.cos(math.radians(self.lat0))
        self.west_m = (self.lon0 - west) * self.m_lon
        self.east_m = (east - self.lon0) * self.m_lon
        self.south_m = (self.lat0 - south) * self.m_lat
        self.north_m = (north - self.lat0) * self.m_lat

    def to_point(self, x: float, y: float) -> tuple[float, float]:
        return self.lat0 + y / self.m_lat, self.lon0 + x / self.m_lon

    def to_metres(self, lat: float, lon: float) -> tuple[float, float]:
        return (lon - self.lon0) * self.m_lon, (lat - self.lat0) * self.m_lat

    def reach(self, angle: float) -> float:
        """Distance from the centre to the bbox edge in direction `angle` (radians, 0 = east)."""
        dx, dy = math.cos(angle), math.sin(angle)
        along_x = self.east_m / dx if dx > 1e-9 else self.west_m / -dx if dx < -1e-9 else math.inf
        along_y = self.north_m / dy if dy > 1e-9 else self.south_m / -dy if dy < -1e-9 else math.inf
        return min(along_x, along_y)

    def inside(self, x: float, y: float, margin: float = 0.0) -> bool:
        return (
            -self.west_m + margin <= x <= self.east_m - margin and -self.south_m + margin <= y <= self.north_m - margin
        )

    def clip(self, lat: float, lon: float) -> tuple[float, float]:
        """Rounded to 6 decimals (~0.1 m) and inside the bbox."""
        west, south, east, north = self.bbox
        return round(min(max(lat, south), north), 6), round(min(max(lon, west), east), 6)


# (kind, how many, distance from the centre as a share of the reach in that direction, spread in metres)
_LAYOUT: Final = (
    (NIGHTLIFE, 2, (0.02, 0.12), (150.0, 250.0)),
    (STATION, 1, (0.05, 0.18), (120.0, 180.0)),
    (SCHOOL, 3, (0.2, 0.55), (100.0, 160.0)),
    (EDGE, 2, (0.72, 0.86), (220.0, 300.0)),
)
_MIN_GAP_M: Final = 900.0
_EMERGING_GAP_M: Final = 1500.0


def hotspots(tenant: Tenant) -> tuple[Hotspot, ...]:
    """The tenant's hotspots: the same for every seed (derived from the tenant id), inside its bbox."""
    rng = random.Random(f"koban-seed-places:{tenant.id}")
    frame = _Frame(tenant)
    placed: list[tuple[str, float, float, float]] = []  # kind, x, y, spread

    def place(kind: str, reach: tuple[float, float], spread_range: tuple[float, float], gap: float) -> None:
        spread = rng.uniform(*spread_range)
        best: tuple[float, float] | None = None
        for _ in range(300):
            angle = rng.uniform(0.0, 2 * math.pi)
            if kind == EDGE and frame.reach(angle) < 0.5 * max(frame.reach(a / 8 * math.pi) for a in range(16)):
                continue  # the edge of town lies where the area reaches far (not across a river or the sea)
            distance = rng.uniform(*reach) * frame.reach(angle)
            x, y = distance * math.cos(angle), distance * math.sin(angle)
            if not frame.inside(x, y, margin=2 * spread):
                continue
            best = (x, y)
            if all(math.hypot(x - px, y - py) >= gap for _, px, py, _ in placed):
                break
        x, y = best if best is not None else (0.0, 0.0)
        placed.append((kind, x, y, spread))

    for kind, how_many, reach, spread_range in _LAYOUT:
        for _ in range(how_many):
            place(kind, reach, spread_range, _MIN_GAP_M)
    for _ in range(1 + (rng.random() < 0.5)):
        place(EMERGING, (0.15, 0.45), (90.0, 130.0), _EMERGING_GAP_M)

    numbers: dict[str, int] = {}
    spots = []
    for kind, x, y, spread in placed:
        numbers[kind] = numbers.get(kind, 0) + 1
        lat, lon = frame.clip(*frame.to_point(x, y))
        spots.append(Hotspot(kind, f"{kind}-{numbers[kind]}", lat, lon, round(spread, 1)))
    return tuple(spots)


# ================================================================================================ rhythms

ALL_DAYS: Final = frozenset(range(1, 8))
WORKDAYS: Final = frozenset(range(1, 6))
WEEKEND: Final = frozenset({6, 7})
GROWTH: Final = 0.25  # the last day of the period sees this much more than the first
RECENT_DAYS: Final = 10  # the emerging blocks ramp up within these last days
EMERGING_RECENT_SHARE: Final = 0.8
# Reports per emerging block at small counts (so that the ramp stays visible in a small demo seed).
EMERGING_MINIMUM: Final = 12


def _hm(hours: int, minutes: int = 0) -> int:
    return hours * 60 + minutes


@dataclass(frozen=True)
class _Window:
    weight: float
    start: int  # minutes after the local midnight that begins the drawn day; past 1440 is the next morning
    end: int
    peak: int | None = None  # a triangular distribution's mode; None = uniform
    days: frozenset[int] = ALL_DAYS  # ISO weekdays of the drawn day on which the window applies


@dataclass(frozen=True)
class _Rhythm:
    weekdays: tuple[float, ...]  # Monday .. Sunday: how busy the day (or the night that starts on it) is
    windows: tuple[_Window, ...]
    by_weekday: dict[int, tuple[tuple[_Window, ...], tuple[float, ...]]] = field(init=False, compare=False)

    def __post_init__(self) -> None:
        table = {}
        for weekday in ALL_DAYS:
            windows = tuple(window for window in self.windows if weekday in window.days)
            table[weekday] = (windows, tuple(window.weight for window in windows))
        object.__setattr__(self, "by_weekday", table)


_NIGHT_WINDOWS: Final = (
    _Window(0.8, _hm(22), _hm(28), peak=_hm(24, 30)),  # 22:00–04:00, peak around half past midnight
    _Window(0.12, _hm(19), _hm(22)),
    _Window(0.08, _hm(10), _hm(19)),
)
RHYTHMS: Final[dict[str, _Rhythm]] = {
    # Nightlife: the nights that start on Thursday, Friday and Saturday.
    "night": _Rhythm((0.55, 0.6, 0.8, 1.4, 2.1, 2.3, 0.9), _NIGHT_WINDOWS),
    # An emerging block (a new party flat) is loud any night of the week.
    "night_every_day": _Rhythm((1.0, 1.0, 1.0, 1.1, 1.3, 1.3, 1.0), _NIGHT_WINDOWS),
    "school": _Rhythm(
        (1.0, 1.0, 1.0, 1.0, 1.0, 0.12, 0.08),
        (
            _Window(0.5, _hm(7, 30), _hm(9), days=WORKDAYS),
            _Window(0.35, _hm(14, 30), _hm(16, 30), days=WORKDAYS),
            _Window(0.15, _hm(7), _hm(19), days=WORKDAYS),
            _Window(1.0, _hm(10), _hm(18), days=WEEKEND),
        ),
    ),
    # Dumping at the edge of town: evenings and weekends.
    "edge": _Rhythm(
        (0.7, 0.7, 0.7, 0.8, 1.0, 1.9, 1.7),
        (
            _Window(0.45, _hm(18), _hm(23)),
            _Window(0.35, _hm(8), _hm(18), days=WEEKEND),
            _Window(0.1, _hm(8), _hm(18), days=WORKDAYS),
            _Window(0.1, _hm(23), _hm(29)),
        ),
    ),
    # Bike theft at the station: commuters leave bikes in the morning and find them gone in the evening.
    "station": _Rhythm(
        (1.0, 1.0, 1.0, 1.0, 1.15, 1.1, 0.8),
        (
            _Window(0.25, _hm(7), _hm(9, 30)),
            _Window(0.35, _hm(17), _hm(23, 30), peak=_hm(18, 30)),
            _Window(0.3, _hm(9, 30), _hm(17)),
            _Window(0.1, _hm(23, 30), _hm(26)),
        ),
    ),
    "evening": _Rhythm(
        (0.8, 0.8, 0.9, 1.0, 1.3, 1.4, 1.0),
        (_Window(0.6, _hm(18), _hm(26), peak=_hm(22)), _Window(0.4, _hm(10), _hm(18))),
    ),
    "day": _Rhythm(
        (1.05, 1.05, 1.0, 1.0, 1.0, 0.8, 0.6),
        (_Window(0.85, _hm(7), _hm(22), peak=_hm(13)), _Window(0.15, _hm(22), _hm(31))),
    ),
    "online": _Rhythm(
        (1.1, 1.1, 1.05, 1.0, 0.95, 0.75, 0.8),
        (_Window(0.8, _hm(8), _hm(22)), _Window(0.2, _hm(22), _hm(25))),
    ),
}
KIND_RHYTHMS: Final = {
    NIGHTLIFE: "night",
    SCHOOL: "school",
    EDGE: "edge",
    STATION: "station",
    EMERGING: "night_every_day",
    HOME: "online",
}
BACKGROUND_RHYTHMS: Final = {
    "noise_night": "night",
    "antisocial_behaviour": "evening",
    "drug_nuisance": "evening",
    "domestic_concern": "evening",
    "street_lighting": "evening",
}
# Typical minutes between the incident and the report (the median of a log-normal delay).
DELAY_MINUTES: Final[dict[str, float]] = {
    "noise_night": 8,
    "antisocial_behaviour": 10,
    "drug_nuisance": 30,
    "speeding": 60,
    "dangerous_parking": 20,
    "traffic_danger": 120,
    "illegal_dumping": 240,
    "graffiti_vandalism": 300,
    "bike_theft": 180,
    "burglary_past": 600,
    "online_fraud": 1440,
    "phishing": 120,
    "hate_incident": 240,
    "radicalisation_concern": 2880,
    "vulnerable_person": 30,
    "domestic_concern": 20,
    "lost_property": 360,
    "street_lighting": 600,
    "road_damage": 480,
    "police_feedback": 2880,
    "contact_neighbourhood_officer": 1440,
}
DEFAULT_DELAY_MINUTES: Final = 60.0


class _Clock:
    """Draws moments of the last `days` days in the tenant's zone, following a rhythm, with slight growth."""

    def __init__(self, tenant: Tenant, now: datetime, days: int) -> None:
        self.zone = tenant.zone
        self.now = now
        self.start = now - timedelta(days=days)
        today = now.astimezone(self.zone).date()
        # One day more than asked: a night that starts the evening before the period ends inside it.
        self.dates: list[date] = [today - timedelta(days=days - index) for index in range(days + 1)]
        last = len(self.dates) - 1
        self.growth = [1.0 + GROWTH * index / last for index in range(len(self.dates))]
        self.recent_from = max(0, len(self.dates) - RECENT_DAYS)
        self._cumulative: dict[tuple[str, str], list[float]] = {}

    def _weights(self, rhythm: str, span: str) -> list[float]:
        key = (rhythm, span)
        if key not in self._cumulative:
            weekdays = RHYTHMS[rhythm].weekdays
            weights = []
            for index, day in enumerate(self.dates):
                weight = self.growth[index] * weekdays[day.isoweekday() - 1]
                if span == "recent":  # a sharp ramp over the last days
                    weight = (index - self.recent_from + 1) ** 2 if index >= self.recent_from else 0.0
                elif span == "early" and index >= self.recent_from and self.recent_from > 0:
                    weight = 0.0
                weights.append(weight)
            total = 0.0
            cumulative = []
            for weight in weights:
                total += weight
                cumulative.append(total)
            self._cumulative[key] = cumulative
        return self._cumulative[key]

    def draw(self, rhythm_name: str, rng: random.Random, span: str = "all") -> datetime:
        """A local, aware moment within the period (seconds precision)."""
        rhythm = RHYTHMS[rhythm_name]
        cumulative = self._weights(rhythm_name, span)
        indexes = range(len(self.dates))
        for _ in range(40):
            day = self.dates[rng.choices(indexes, cum_weights=cumulative)[0]]
            windows, weights = rhythm.by_weekday[day.isoweekday()]
            window = rng.choices(windows, weights=weights)[0]
            if window.peak is None:
                minute = rng.uniform(window.start, window.end)
            else:
                minute = rng.triangular(window.start, window.end, window.peak)
            moment = datetime(day.year, day.month, day.day, tzinfo=self.zone) + timedelta(seconds=int(minute * 60))
            if self.start <= moment <= self.now:
                return moment
        return (self.now - timedelta(minutes=rng.uniform(10, 600))).astimezone(self.zone).replace(microsecond=0)


# ================================================================================================ lifecycle

V, C, IP = Status.VERIFYING, Status.CONFIRMED, Status.IN_PROGRESS
RES, REF, UNC, REJ, DUP = (
    Status.RESOLVED,
    Status.REFERRED,
    Status.UNCONFIRMED,
    Status.REJECTED,
    Status.DUPLICATE,
)

# The paths a report takes after `new`, per handling profile, with their weights; () = never picked up.
PATHS: Final[dict[str, tuple[tuple[float, tuple[Status, ...]], ...]]] = {
    "police": (
        (0.30, (V, C, IP, RES)),
        (0.14, (C, RES)),
        (0.14, (V, C, RES)),
        (0.08, (C, IP, RES)),
        (0.10, (V, UNC)),
        (0.04, (V, C, REF)),
        (0.02, (REF,)),
        (0.05, (DUP,)),
        (0.02, (REJ,)),
        (0.02, (V, REJ)),
        (0.01, (V, C, RES, V, C, RES)),
        (0.015, ()),
    ),
    "nuisance": (
        (0.22, (V, C, RES)),
        (0.16, (V, C, IP, RES)),
        (0.12, (C, RES)),
        (0.20, (V, UNC)),
        (0.03, (V, C, REF)),
        (0.08, (DUP,)),
        (0.02, (V, DUP)),
        (0.03, (REJ,)),
        (0.01, (V, C, RES, V, C, RES)),
        (0.015, ()),
    ),
    "municipal": (
        (0.62, (REF,)),
        (0.18, (V, REF)),
        (0.05, (V, UNC)),
        (0.08, (DUP,)),
        (0.04, (REJ,)),
        (0.01, (REF, V, REF)),
        (0.015, ()),
    ),
    "cyber": (
        (0.35, (V, C, IP, REF)),
        (0.20, (V, C, IP, RES)),
        (0.15, (C, RES)),
        (0.10, (V, UNC)),
        (0.08, (REF,)),
        (0.05, (DUP,)),
        (0.04, (REJ,)),
        (0.015, ()),
    ),
    "care": (
        (0.35, (V, C, IP, REF)),
        (0.30, (V, C, IP, RES)),
        (0.12, (V, C, RES)),
        (0.12, (V, UNC)),
        (0.03, (DUP,)),
        (0.02, (REJ,)),
        (0.01, ()),
    ),
    "lost_found": (
        (0.55, (C, RES)),
        (0.20, (V, C, RES)),
        (0.15, (V, UNC)),
        (0.05, (REJ,)),
        (0.03, (DUP,)),
        (0.015, ()),
    ),
    "service": (
        (0.60, (C, RES)),
        (0.25, (C, IP, RES)),
        (0.08, (V, C, RES)),
        (0.04, (REJ,)),
        (0.015, ()),
    ),
}
# Where the group alone does not decide the profile (municipal units are decided by the route).
GROUP_PROFILES: Final = {
    "municipal": "municipal",
    "cybercrime": "cyber",
    "hate_crime": "care",
    "radicalisation": "care",
    "vulnerable_person": "care",
    "lost_found": "lost_found",
    "police_feedback": "service",
    "contact_officer": "service",
    "general_info": "service",
    "nuisance": "nuisance",
}
# Crowded places are reported by many people at once: extra duplicates there.
EXTRA_DUPLICATE_SHARE: Final = {NIGHTLIFE: 0.06, EMERGING: 0.08}
DUPLICATE_WINDOW: Final = timedelta(days=3)
# Median hours of each step (log-normal); the first step's median is a share of the deadline.
STEP_HOURS: Final[dict[tuple[Status, Status], float]] = {
    (V, C): 4,
    (V, UNC): 3,
    (V, REF): 12,
    (V, REJ): 6,
    (V, DUP): 2,
    (C, IP): 10,
    (C, RES): 30,
    (C, REF): 24,
    (IP, RES): 72,
    (IP, REF): 48,
    (RES, V): 96,
    (REF, V): 72,
}
DEFAULT_STEP_HOURS: Final = 12.0
FIRST_RESPONSE_SHARE: Final = 0.22  # median first response, as a share of the deadline
LATE_SHARE: Final = 0.08  # first responses that miss the deadline on purpose (on top of the log-normal tail)
INTERNAL_NOTE_SHARE: Final = 0.25
OFFICERS_PER_TENANT: Final = 12
DESK_STAFF_PER_TENANT: Final = 4
SUPERVISORS_PER_TENANT: Final = 3


def _check_paths() -> None:
    for profile, paths in PATHS.items():
        for _, path in paths:
            current = Status.NEW
            for target in path:
                if target not in TRANSITIONS[current]:
                    raise ValueError(f"seed path {profile}: {current} → {target} is not an allowed transition")
                current = target


_check_paths()

# ================================================================================================ channels

CHANNEL_WEIGHTS: Final[dict[Channel, float]] = {
    Channel.WEB: 0.44,
    Channel.APP: 0.30,
    Channel.PHONE: 0.12,
    Channel.EMAIL: 0.05,
    Channel.IN_PERSON: 0.04,
    Channel.SMS: 0.03,
    Channel.SOCIAL: 0.02,
}
# Multipliers per group: people phone about people, and write about online crime.
CHANNEL_BIAS: Final[dict[str, dict[Channel, float]]] = {
    "vulnerable_person": {Channel.PHONE: 2.5, Channel.IN_PERSON: 2.0},
    "hate_crime": {Channel.PHONE: 1.5, Channel.IN_PERSON: 2.0},
    "radicalisation": {Channel.PHONE: 2.0, Channel.IN_PERSON: 2.5, Channel.SOCIAL: 0.2},
    "cybercrime": {Channel.WEB: 1.4, Channel.EMAIL: 2.0, Channel.APP: 0.7},
    "nuisance": {Channel.APP: 1.3, Channel.PHONE: 1.3},
}
# A locale of the tenant's first language is most common; the others (with a phrase bank) share the rest.
FIRST_LANGUAGE_WEIGHT: Final = 0.78
OTHER_LANGUAGES_WEIGHT: Final = 0.14
ENGLISH_WEIGHT: Final = 0.08
OPTIONAL_ANSWER_SHARE: Final = 0.55
SUFFIX_SHARE: Final = 0.4

# ================================================================================================ generation

_CROCKFORD: Final = "0123456789abcdefghjkmnpqrstvwxyz"
_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)


def seeded_id(millis: int, rng: random.Random) -> str:
    """An id in `koban.ids.new_id`'s format (48-bit ms clock + 50 random bits, 20 chars), from `rng`."""
    number = (millis << 50) | rng.getrandbits(50)
    chars = []
    for _ in range(20):
        number, remainder = divmod(number, 32)
        chars.append(_CROCKFORD[remainder])
    return "".join(reversed(chars))


def tenant_random(seed: int, tenant_id: str) -> random.Random:
    """The generator `seed_all` gives `generate_reports` for one tenant (independent of the other tenants)."""
    return random.Random(f"koban-seed:{seed}:{tenant_id}")


@dataclass
class _Draft:
    """Where and when one report happened, before its texts, answers and history are made."""

    kind: str
    category: Category
    occurred_at: datetime  # local
    received_at: datetime  # UTC
    x: float | None  # metres from the centre; None = no location
    y: float | None


@dataclass(frozen=True)
class _Earlier:
    received_at: datetime
    id: str
    x: float | None
    y: float | None


def _staff(tenant: Tenant, role: str, count: int) -> tuple[str, ...]:
    return tuple(str(uuid.uuid5(uuid.NAMESPACE_URL, f"koban-seed:{tenant.id}:{role}:{n}")) for n in range(count))


def _weighted(rng: random.Random, weights: Mapping[str, float]) -> str:
    keys = list(weights)
    return rng.choices(keys, weights=[weights[key] for key in keys])[0]


def _lognormal(rng: random.Random, median: float, sigma: float = 0.8) -> float:
    return median * rng.lognormvariate(0.0, sigma)


class _TenantGenerator:
    """Everything that is fixed per tenant: places, categories, staff, locales, and triage results so far."""

    def __init__(self, tenant: Tenant, now: datetime, days: int) -> None:
        self.tenant = tenant
        self.now = now
        self.frame = _Frame(tenant)
        self.clock = _Clock(tenant, now, days)
        self.spots = hotspots(tenant)
        self.categories = {category.code: category for category in list_categories(tenant)}
        if not self.categories:
            raise ValueError(f"tenant {tenant.id} has no categories to seed")
        self.officers = _staff(tenant, "officer", OFFICERS_PER_TENANT)
        self.desk = _staff(tenant, "desk", DESK_STAFF_PER_TENANT)
        self.supervisors = _staff(tenant, "supervisor", SUPERVISORS_PER_TENANT)
        self.locales = self._locale_weights()
        self.staff_language = next((lang for lang in tenant.languages if lang in PHRASE_LANGUAGES), "en")
        self.received_notes = {locale: translate("report.received_note", locale) for locale in self.locales}
        self.unit_kinds = {unit.code: unit.kind for unit in tenant.units}
        self._triage: dict[tuple[str, str, int, int, str], tuple[Priority, str, int]] = {}
        background = {code: BACKGROUND_WEIGHTS.get(code, DEFAULT_WEIGHT) for code in self.categories}
        self.background = {code: weight for code, weight in background.items() if weight > 0} or {
            code: 1.0 for code in self.categories
        }

    def _locale_weights(self) -> dict[str, float]:
        spoken = [lang for lang in self.tenant.languages if lang in PHRASE_LANGUAGES and lang != "en"]
        weights: dict[str, float] = {}
        if spoken:
            weights[spoken[0]] = FIRST_LANGUAGE_WEIGHT
            others = spoken[1:]
            for position, lang in enumerate(others):  # geometric: 2/3, 2/9, ... of the others' share
                weights[lang] = OTHER_LANGUAGES_WEIGHT * (2 / 3) * (1 / 3) ** position
        weights["en"] = ENGLISH_WEIGHT + (0.0 if spoken else FIRST_LANGUAGE_WEIGHT)
        return weights

    # ------------------------------------------------------------------------------------------ drafts

    def drafts(self, count: int, rng: random.Random) -> list[_Draft]:
        """`count` drafts, sorted by the moment they were received."""
        plan: list[tuple[str, Hotspot | None, dict[str, float]]] = []
        for kind in (NIGHTLIFE, SCHOOL, EDGE, STATION, EMERGING, HOME):
            weights = {code: weight for code, weight in KIND_CATEGORIES[kind].items() if code in self.categories}
            if not weights:
                continue
            spots: list[Hotspot | None] = [spot for spot in self.spots if spot.kind == kind]
            if kind == HOME:
                spots = [None]
            if not spots:
                continue
            if kind == EMERGING:  # each emerging block on its own
                size = max(round(count * KIND_SHARES[kind]), min(EMERGING_MINIMUM, count // 20))
                for spot in spots:
                    plan.extend((kind, spot, weights) for _ in range(size))
                continue
            # The first place of a kind is the busiest: weights 1, 0.7, 0.49, ...
            spot_weights = [0.7**position for position in range(len(spots))]
            for _ in range(round(count * KIND_SHARES[kind])):
                plan.append((kind, rng.choices(spots, weights=spot_weights)[0], weights))
        del plan[count:]
        plan.extend((BACKGROUND, None, self.background) for _ in range(count - len(plan)))
        drafts = [self._draft(kind, spot, weights, rng) for kind, spot, weights in plan]
        drafts.sort(key=lambda draft: draft.received_at)
        return drafts

    def _draft(self, kind: str, spot: Hotspot | None, weights: Mapping[str, float], rng: random.Random) -> _Draft:
        category = self.categories[_weighted(rng, weights)]
        if kind == EMERGING:
            span = "recent" if rng.random() < EMERGING_RECENT_SHARE else "early"
            occurred = self.clock.draw(KIND_RHYTHMS[kind], rng, span)
        elif kind == BACKGROUND:
            occurred = self.clock.draw(BACKGROUND_RHYTHMS.get(category.code, "day"), rng)
        else:
            occurred = self.clock.draw(KIND_RHYTHMS[kind], rng)
        delay = timedelta(minutes=_lognormal(rng, DELAY_MINUTES.get(category.code, DEFAULT_DELAY_MINUTES), 0.9))
        received = occurred.astimezone(UTC) + max(delay, timedelta(seconds=30))
        if received > self.now:
            received = occurred.astimezone(UTC) + (self.now - occurred.astimezone(UTC)) * rng.random()
        x: float | None = None
        y: float | None = None
        if rng.random() >= NO_LOCATION_SHARES.get(category.code, MISSING_LOCATION_SHARE):
            x, y = self._place(kind, spot, rng)
        return _Draft(kind, category, occurred, received, x, y)

    def _place(self, kind: str, spot: Hotspot | None, rng: random.Random) -> tuple[float, float]:
        frame = self.frame
        if spot is not None:
            cx, cy = frame.to_metres(spot.lat, spot.lon)
            sx = sy = spot.spread_m
        else:
            cx = cy = 0.0
            share = DIFFUSE_SPREAD[kind]
            sx = share * (frame.west_m + frame.east_m) / 2
            sy = share * (frame.south_m + frame.north_m) / 2
        for _ in range(8):
            x, y = rng.gauss(cx, sx), rng.gauss(cy, sy)
            if frame.inside(x, y):
                return x, y
        return (
            min(max(x, -frame.west_m), frame.east_m),
            min(max(y, -frame.south_m), frame.north_m),
        )

    # ------------------------------------------------------------------------------------------ reports

    def build(
        self, draft: _Draft, rng: random.Random, earlier: dict[str, deque[_Earlier]]
    ) -> tuple[Report, list[ReportEvent]]:
        category = draft.category
        received = draft.received_at
        report_id = seeded_id((received - _EPOCH) // timedelta(milliseconds=1), rng)
        locale = _weighted(rng, self.locales)
        variant = 0 if draft.kind == EMERGING and rng.random() < 0.75 else rng.randrange(2)
        answers = self._answers(category, variant, draft, locale, rng)
        description = self._description(category, variant, locale, rng)
        channel = self._channel(category, rng)
        taken_by = rng.choice(self.desk) if channel in STAFF_CHANNELS else None
        priority, unit, deadline_hours = self._triage_result(category, answers, channel, draft.occurred_at, received)
        token = base64.urlsafe_b64encode(rng.getrandbits(256).to_bytes(32, "big")).rstrip(b"=").decode()
        events = [
            ReportEvent(
                at=received,
                kind=EventKind.RECEIVED,
                actor=taken_by or "anonymous",
                to_status=Status.NEW,
                public_note=self.received_notes[locale],
            )
        ]
        path = self._path(category, unit, draft, rng, earlier)
        duplicate_of = self._original(draft, earlier) if DUP in path else None
        events.extend(self._history(path, received, deadline_hours, locale, rng))
        transitions = events[1:]
        location = None
        if draft.x is not None and draft.y is not None:
            lat, lon = self.frame.clip(*self.frame.to_point(draft.x, draft.y))
            location = GeoPoint(lat=lat, lon=lon)
        status = transitions[-1].to_status if transitions else Status.NEW
        assert status is not None
        report = Report(
            tenant=self.tenant.id,
            id=report_id,
            category=category.code,
            group=category.group,
            sensitive=category.sensitive,
            description=description,
            location=location,
            address=None,
            occurred_at=draft.occurred_at,
            received_at=received,
            updated_at=events[-1].at,
            locale=locale,
            answers=answers,
            attachments=(),
            channel=channel,
            status=status,
            priority=priority,
            unit=unit,
            expected_response_at=received + timedelta(hours=deadline_hours),
            tracking_hash=hash_token(token),
            has_contact=False,
            taken_by=taken_by,
            duplicate_of=duplicate_of if status is DUP else None,
            first_response_at=transitions[0].at if transitions else None,
            version=1 + len(transitions),
        )
        earlier.setdefault(category.code, deque(maxlen=40)).append(_Earlier(received, report_id, draft.x, draft.y))
        return report, events

    def _triage_result(
        self,
        category: Category,
        answers: dict[str, Any],
        channel: Channel,
        occurred: datetime,
        received: datetime,
    ) -> tuple[Priority, str, int]:
        """`triage` on the tenant's rules, remembered by every fact the rules see (exact)."""
        local = occurred.astimezone(self.tenant.zone)
        key = (category.code, str(channel), local.hour, local.isoweekday(), encode_json(answers))
        found = self._triage.get(key)
        if found is None:
            decision = triage(self.tenant, category, answers, channel, occurred, received)
            found = (decision.priority, decision.unit, decision.deadline_hours)
            self._triage[key] = found
        return found

    def _description(self, category: Category, variant: int, locale: str, rng: random.Random) -> str:
        bank = DESCRIPTIONS.get(category.code)
        if bank is not None:
            text = bank.get(locale, bank["en"])[variant]
        else:  # a category of a city plugin: its name in the reporter's language
            text = pick(category.name, [locale, "en"]).rstrip(".") + "."
        if str(category.group) in RECURRING_GROUPS and rng.random() < SUFFIX_SHARE:
            text = f"{text} {rng.choice(SUFFIXES.get(locale, SUFFIXES['en']))}"
        return text

    def _channel(self, category: Category, rng: random.Random) -> Channel:
        bias = CHANNEL_BIAS.get(str(category.group), {})
        channels = list(CHANNEL_WEIGHTS)
        return rng.choices(channels, weights=[CHANNEL_WEIGHTS[c] * bias.get(c, 1.0) for c in channels])[0]

    # ------------------------------------------------------------------------------------------ answers

    def _answers(
        self, category: Category, variant: int, draft: _Draft, locale: str, rng: random.Random
    ) -> dict[str, Any]:
        presets = VARIANT_ANSWERS.get(category.code)
        preset = presets[variant] if presets else {}
        answers: dict[str, Any] = {}
        for question in category.questions:
            if question.code in preset:
                answers[question.code] = preset[question.code]
            elif question.required or rng.random() < OPTIONAL_ANSWER_SHARE:
                answers[question.code] = self._answer(question, category, variant, draft, locale, answers, rng)
        # A city plugin may have changed a question: whatever does not fit gets a plain valid answer.
        for error in validate_answers(category, answers):
            code = error.field.removeprefix("answers.")
            asked = category.question(code)
            if asked is None:
                answers.pop(code, None)
            else:
                answers[code] = _plain_answer(asked, category, draft, locale, rng)
        return answers

    def _answer(
        self,
        question: Question,
        category: Category,
        variant: int,
        draft: _Draft,
        locale: str,
        answers: Mapping[str, Any],
        rng: random.Random,
    ) -> Any:
        code = question.code
        local = draft.occurred_at
        delay_minutes = (draft.received_at - local.astimezone(UTC)).total_seconds() / 60
        match code:
            case "time_of_day":
                return (
                    "morning"
                    if 6 <= local.hour < 12
                    else "afternoon"
                    if 12 <= local.hour < 18
                    else "evening"
                    if 18 <= local.hour < 22
                    else "night"
                )
            case "ongoing":
                return rng.random() < (0.75 if delay_minutes < 45 else 0.15)
            case "near_school":
                return draft.kind == SCHOOL or rng.random() < 0.1
            case "noise_source" if draft.kind in (NIGHTLIFE, EMERGING):
                return _weighted(rng, {"music": 0.4, "party": 0.25, "shouting": 0.3, "vehicles": 0.05})
            case "nights_per_week":
                return rng.randint(3, 7) if draft.kind == EMERGING else rng.randint(1, 4)
            case "group_size" if draft.kind == NIGHTLIFE:
                return _weighted(rng, {"two_to_five": 0.4, "six_to_ten": 0.4, "more_than_ten": 0.2})
            case "bike_type":
                return _weighted(
                    rng,
                    {"city": 0.5, "e_bike": 0.2, "cargo": 0.06, "sports": 0.14, "child": 0.05, "other": 0.05},
                )
            case "value" if category.code == "bike_theft":
                base = {"e_bike": 2200, "cargo": 3000, "sports": 900, "child": 150}.get(
                    str(answers.get("bike_type")), 350
                )
                return round(_lognormal(rng, base, 0.4))
            case "value":
                return round(_lognormal(rng, 80, 0.8))
            case "amount_lost":
                return round(min(20000.0, _lognormal(rng, 160, 1.0)), 2)
            case "locked":
                return rng.random() < 0.8
            case "recurring":
                return rng.random() < 0.6
            case "frame_number":
                return "".join(rng.choice("ABCDEFGHJKLMNPRSTUVWXYZ0123456789") for _ in range(10))
            case "licence_plate":
                return _plate(PLATES.get(self.tenant.country, "LL-DDD-L"), rng)
            case "platform":
                return rng.choice(MARKETPLACES.get(self.tenant.country, ("Facebook Marketplace", "Vinted")))
            case "pole_number":
                return f"{rng.choice('ABCLM')}-{rng.randint(100, 9999)}"
            case "lamps_affected":
                return rng.randint(1, 4)
            case "satisfaction" if category.code == "police_feedback":
                return rng.randint(4, 5) if variant == 0 else rng.randint(1, 2)
            case "items_stolen":
                return ITEMS_STOLEN.get(locale, ITEMS_STOLEN["en"])[variant]
            case "data_shared":
                if rng.random() < 0.5:
                    return ["none"]
                return rng.sample(["password", "bank_details", "identity_document"], k=rng.randint(1, 2))
        return _plain_answer(question, category, draft, locale, rng)

    # ------------------------------------------------------------------------------------------ history

    def _profile(self, category: Category, unit: str) -> str:
        if self.unit_kinds.get(unit) == "municipality":
            return "municipal"
        return GROUP_PROFILES.get(str(category.group), "police")

    def _path(
        self,
        category: Category,
        unit: str,
        draft: _Draft,
        rng: random.Random,
        earlier: dict[str, deque[_Earlier]],
    ) -> tuple[Status, ...]:
        paths = PATHS[self._profile(category, unit)]
        if rng.random() < EXTRA_DUPLICATE_SHARE.get(draft.kind, 0.0):
            path: tuple[Status, ...] = (DUP,)
        else:
            path = rng.choices([p for _, p in paths], weights=[w for w, _ in paths])[0]
        if DUP in path and self._original(draft, earlier) is None:
            path = paths[0][1]  # nothing to be a duplicate of: handled like most reports
        return path

    @staticmethod
    def _original(draft: _Draft, earlier: dict[str, deque[_Earlier]]) -> str | None:
        """The earlier report of the same category this one repeats: the nearest of the last few days."""
        candidates = earlier.get(draft.category.code)
        if not candidates:
            return None
        recent = [item for item in candidates if item.received_at >= draft.received_at - DUPLICATE_WINDOW]
        if not recent:
            return candidates[-1].id
        if draft.x is None or draft.y is None:
            return recent[-1].id

        def distance(item: _Earlier) -> float:
            if item.x is None or item.y is None or draft.x is None or draft.y is None:
                return math.inf
            return math.hypot(item.x - draft.x, item.y - draft.y)

        return min(recent, key=distance).id

    def _history(
        self, path: Sequence[Status], received: datetime, deadline_hours: int, locale: str, rng: random.Random
    ) -> list[ReportEvent]:
        """The transitions of `path` that have happened by now, each an audited event."""
        events: list[ReportEvent] = []
        officer = rng.choice(self.officers)
        current = Status.NEW
        at = received
        for step, target in enumerate(path):
            if step == 0:
                if rng.random() < LATE_SHARE:
                    hours = deadline_hours * rng.uniform(1.05, 2.5)
                else:
                    hours = _lognormal(rng, deadline_hours * FIRST_RESPONSE_SHARE)
            else:
                hours = _lognormal(rng, STEP_HOURS.get((current, target), DEFAULT_STEP_HOURS))
            at = at + max(timedelta(hours=hours), timedelta(minutes=5))
            if at > self.now:
                break
            if current is not Status.NEW and target is V:  # reopening a closed report
                actor = rng.choice(self.supervisors)
            elif step == 0 and target is V and rng.random() < 0.5:
                actor = rng.choice(self.desk)
            else:
                actor = officer
            notes = PUBLIC_NOTES[target]
            internal = None
            if rng.random() < INTERNAL_NOTE_SHARE:
                internal = rng.choice(INTERNAL_NOTES.get(self.staff_language, INTERNAL_NOTES["en"]))
            events.append(
                ReportEvent(
                    at=at,
                    kind=EventKind.STATUS_CHANGED,
                    actor=actor,
                    from_status=current,
                    to_status=target,
                    public_note=rng.choice(notes.get(locale, notes["en"])),
                    internal_note=internal,
                )
            )
            current = target
        return events


def _plate(shape: str, rng: random.Random) -> str:
    letters = "BDFGHJKLNPRSTVXZ"
    return "".join(
        rng.choice(letters) if char == "L" else str(rng.randrange(10)) if char == "D" else char for char in shape
    )


def _plain_answer(question: Question, category: Category, draft: _Draft, locale: str, rng: random.Random) -> Any:
    """A valid answer of the question's type, within its bounds."""
    kind = question.type
    if kind is QuestionType.BOOLEAN:
        return rng.random() < 0.5
    if kind is QuestionType.INTEGER:
        low = math.ceil(question.minimum) if question.minimum is not None else 0
        if question.maximum is not None and question.maximum < low:
            low = math.floor(question.maximum)
        high = math.floor(question.maximum) if question.maximum is not None else low + 10
        return rng.randint(low, max(low, high))
    if kind is QuestionType.NUMBER:
        low_value = question.minimum if question.minimum is not None else 0.0
        high_value = question.maximum if question.maximum is not None else low_value + 500.0
        return round(rng.uniform(low_value, max(low_value, high_value)), 2) if high_value > low_value else low_value
    if kind in (QuestionType.STRING, QuestionType.TEXT):
        return pick(category.name, [locale, "en"])[: question.max_length]
    if kind is QuestionType.DATETIME:
        return draft.occurred_at.isoformat()
    codes = [option.code for option in question.options]
    if kind is QuestionType.SINGLE_CHOICE:
        return rng.choice(codes)
    return rng.sample(codes, k=2 if len(codes) > 2 and rng.random() < 0.3 else 1)


def generate_reports(
    tenant: Tenant, count: int, rng: random.Random, now: datetime, days: int
) -> Iterator[tuple[Report, list[ReportEvent]]]:
    """`count` reports of `tenant` received in the `days` before `now`, oldest first, each with its history.

    Pure: no I/O, and the same `rng` state, `now` and `days` give the same reports (ids included).
    """
    if count < 0:
        raise ValueError("count must not be negative")
    if days < 1:
        raise ValueError("days must be at least 1")
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    generator = _TenantGenerator(tenant, now.astimezone(UTC), days)
    drafts = generator.drafts(count, rng)

    def build_all() -> Iterator[tuple[Report, list[ReportEvent]]]:
        earlier: dict[str, deque[_Earlier]] = {}
        for draft in drafts:
            yield generator.build(draft, rng, earlier)

    return build_all()


# ================================================================================================ writing

BATCH_SIZE: Final = 25  # DynamoDB's limit for BatchWriteItem
# moto runs in this process: its work and botocore's share one GIL with the generator, so more threads only
# add contention (measured: 1 thread 6.98 s, 2: 7.2 s, 4: 7.34 s, 8: 8.91 s for the same 8,800 items).
WRITER_THREADS: Final = 2
PENDING_BATCHES_PER_THREAD: Final = 4  # bounds memory: generation waits when the writers fall behind
MAX_WRITE_ATTEMPTS: Final = 12


def _event_item(report: Report, position: int, event: ReportEvent) -> dict[str, Any]:
    """The storage layout's event item; its random tie-breaker becomes the event's position, so that seeding
    the same history twice writes the same keys."""
    return event_to_item(report.tenant, report.id, event, sensitive=report.sensitive, tie_breaker=f"{position:06x}")


class _TenantJob:
    """The batches of one tenant: counted down by the writers, reported by the seeding thread."""

    def __init__(self, tenant_id: str) -> None:
        self.tenant_id = tenant_id
        self.started = time.perf_counter()
        self.finished = self.started
        self.reports = 0
        self.events = 0
        self.error: BaseException | None = None
        self._pending = 0
        self._closed = False
        self._lock = threading.Lock()
        self._done = threading.Event()

    def add(self) -> None:
        with self._lock:
            self._pending += 1

    def finish_one(self, error: BaseException | None) -> None:
        with self._lock:
            self._pending -= 1
            if error is not None and self.error is None:
                self.error = error
            self._settle()

    def close(self) -> None:
        with self._lock:
            self._closed = True
            self._settle()

    def _settle(self) -> None:
        if self._closed and self._pending == 0 and not self._done.is_set():
            self.finished = time.perf_counter()
            self._done.set()

    def done(self) -> bool:
        return self._done.is_set()

    def wait(self) -> None:
        self._done.wait()


class _BatchWriter:
    """BatchWriteItem over a few threads, each with its own client; UnprocessedItems are retried."""

    def __init__(self, table: str, threads: int) -> None:
        self.table = table
        self._local = threading.local()
        self._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="koban-seed")
        self._slots = threading.BoundedSemaphore(threads * PENDING_BATCHES_PER_THREAD)

    def submit(self, job: _TenantJob, items: list[dict[str, Any]]) -> None:
        self._slots.acquire()
        job.add()
        try:
            future = self._pool.submit(self._write, items)
        except BaseException:
            self._slots.release()
            job.finish_one(None)
            raise

        def finished(done: Future[None]) -> None:
            self._slots.release()
            job.finish_one(done.exception())

        future.add_done_callback(finished)

    def shutdown(self, cancel: bool) -> None:
        self._pool.shutdown(wait=True, cancel_futures=cancel)

    def _client(self) -> Any:
        client = getattr(self._local, "client", None)
        if client is None:
            import boto3
            from botocore.config import Config

            config = Config(
                retries={"max_attempts": 8, "mode": "standard"},
                connect_timeout=5,
                read_timeout=120,
                # The items come from `serialize`; botocore's own check of every attribute costs ~8 % here.
                parameter_validation=False,
            )
            client = boto3.session.Session().client("dynamodb", config=config)
            self._local.client = client
        return client

    def _write(self, items: list[dict[str, Any]]) -> None:
        client = self._client()
        request: dict[str, Any] = {self.table: [{"PutRequest": {"Item": item}} for item in items]}
        for attempt in range(MAX_WRITE_ATTEMPTS):
            response = client.batch_write_item(RequestItems=request)
            unprocessed = response.get("UnprocessedItems") or {}
            if not unprocessed.get(self.table):
                return
            request = unprocessed
            time.sleep(min(2.0, 0.05 * 2**attempt))
        left = len(request.get(self.table, ()))
        raise RuntimeError(f"DynamoDB left {left} seed items unprocessed after {MAX_WRITE_ATTEMPTS} attempts")


def _report_finished(jobs: deque[_TenantJob], progress: Callable[[str], None], wait: bool) -> None:
    while jobs and (wait or jobs[0].done()):
        job = jobs.popleft()
        job.wait()
        if job.error is not None:
            raise RuntimeError(f"seeding {job.tenant_id} failed: {job.error}") from job.error
        progress(
            f"seeded {job.tenant_id}: {job.reports} reports, {job.events} events in {job.finished - job.started:.1f} s"
        )


def seed_all(
    report_count_per_tenant: int = 6000,
    progress: Callable[[str], None] = print,
    *,
    days: int = 90,
    seed: int = 2026,
    now: datetime | None = None,
) -> dict[str, int]:
    """Write `report_count_per_tenant` synthetic reports (with their histories) for every tenant.

    Table names come from the settings (`REPORTS_TABLE`), the endpoint from boto3's environment
    (`AWS_ENDPOINT_URL` locally). Deterministic for `seed` and `now`; returns the reports written per tenant.
    """
    if report_count_per_tenant < 0:
        raise ValueError("report_count_per_tenant must not be negative")
    moment = now if now is not None else datetime.now(UTC)
    if moment.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    table = get_settings().reports_table
    started = time.perf_counter()
    counts: dict[str, int] = {}
    jobs: deque[_TenantJob] = deque()
    writer = _BatchWriter(table, WRITER_THREADS)
    failed = True
    try:
        for tenant in list_tenants():
            job = _TenantJob(tenant.id)
            jobs.append(job)
            batch: list[dict[str, Any]] = []
            history = generate_reports(tenant, report_count_per_tenant, tenant_random(seed, tenant.id), moment, days)
            for report, events in history:
                batch.append(serialize(report_to_item(report)))
                batch.extend(serialize(_event_item(report, position, event)) for position, event in enumerate(events))
                job.reports += 1
                job.events += len(events)
                while len(batch) >= BATCH_SIZE:
                    writer.submit(job, batch[:BATCH_SIZE])
                    del batch[:BATCH_SIZE]
                    _report_finished(jobs, progress, wait=False)
            if batch:
                writer.submit(job, batch)
            job.close()
            counts[tenant.id] = job.reports
            _report_finished(jobs, progress, wait=False)
        _report_finished(jobs, progress, wait=True)
        failed = False
    finally:
        writer.shutdown(cancel=failed)
    total_reports = sum(counts.values())
    progress(f"seeded {total_reports} reports for {len(counts)} tenants in {time.perf_counter() - started:.1f} s")
    return counts
