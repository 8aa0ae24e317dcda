* CktGym 45 nm bulk CMOS device models: BSIM4 (ngspice level 54), one NMOS and one PMOS.
*
* Parameter values are the published figures of the Predictive Technology Model (PTM) 45 nm
* bulk process (Nanoscale Integration and Modeling group, Arizona State University), the
* models the AutoCkt benchmark simulates with, so that results compare one to one.
* Laid out here by physical effect; every model uses the same groups in the same order.
* A server operator can point AUTOCKT_MODEL_PATH at another card that defines `nmos` and `pmos`.

.model nmos nmos level=54
* model selectors
+ version=4.0 binunit=1 paramchk=1 mobmod=0 capmod=2 igcmod=1
+ igbmod=1 geomod=1 diomod=1 rdsmod=0 rbodymod=1 rgatemod=1
+ permod=1 acnqsmod=0 trnqsmod=0 fnoimod=1 tnoimod=0
* oxide and geometry offsets
+ tnom=27 toxe=1.4e-09 toxp=7e-10 toxm=1.4e-09 dtox=0 epsrox=3.9
+ toxref=1.4e-09 wint=5e-09 lint=1.2e-08 ll=0 wl=0 lln=1
+ wln=1 lw=0 ww=0 lwn=1 wwn=1 lwl=0
+ wwl=0 dwg=0 dwb=0 xpart=0
* doping and junction depth
+ xj=2e-08 ngate=5e+20 ndep=2.8e+18 nsd=1e+20 phin=0 lpe0=5.75e-08
+ lpeb=2.3e-10
* threshold voltage and short-channel effects
+ vth0=0.22 vfb=-0.55 k1=0.35 k2=0.05 k3=0 k3b=0
+ w0=2.5e-06 dvt0=2.8 dvt1=0.52 dvt2=-0.032 dvt0w=0 dvt1w=0
+ dvt2w=0 dsub=2 minv=0.05 voffl=0 dvtp0=1e-07 dvtp1=0.05
+ eta0=0.15 etab=0
* subthreshold
+ voff=-0.15 nfactor=1.2 cdsc=0.0002 cdscb=0 cdscd=0 cit=0
* mobility
+ u0=0.032 ua=1.6e-10 ub=1.1e-17 uc=-3e-11
* velocity saturation, output conductance
+ vsat=110000 a0=2 ags=1e-20 a1=0 a2=1 b0=-1e-20
+ b1=0 keta=0.04 pclm=0.18 pdiblc1=0.028 pdiblc2=0.022 pdiblcb=-0.005
+ drout=0.45 pvag=1e-20 delta=0.01 pscbe1=814000000.0 pscbe2=1e-07 fprout=0.2
+ pdits=0.2 pditsd=0.23 pditsl=2300000.0
* source/drain and gate resistance
+ rsh=3 rdsw=150 rsw=150 rdw=150 rdswmin=0 rdwmin=0
+ rswmin=0 prwg=0 prwb=6.8e-11 wr=1 rshg=0.4 xrcrg1=12
+ xrcrg2=5
* impact ionization and gate-induced drain leakage
+ alpha0=0.074 alpha1=0.005 beta0=30 agidl=0.0002 bgidl=2100000000.0 cgidl=0.0002
+ egidl=0.8
* gate tunneling current
+ aigbacc=0.012 bigbacc=0.0028 cigbacc=0.002 nigbacc=1 aigbinv=0.014 bigbinv=0.004
+ cigbinv=0.004 eigbinv=1.1 nigbinv=3 aigc=0.012 bigc=0.0028 cigc=0.002
+ aigsd=0.012 bigsd=0.0028 cigsd=0.002 nigc=1 poxedge=1 pigcd=1
+ ntox=1
* capacitance
+ cgso=6.238e-10 cgdo=6.238e-10 cgbo=2.56e-11 cgdl=2.495e-10 cgsl=2.495e-10 ckappas=0.01
+ ckappad=0.01 acde=1 moin=15 noff=0.9 voffcv=0.02
* temperature dependence
+ kt1=-0.37 kt1l=0 kt2=-0.042 ute=-1.5 ua1=1e-09 ub1=-3.5e-19
+ uc1=0 prt=0 at=53000
* source/drain junction diodes
+ jss=0.0001 jsws=1e-11 jswgs=1e-10 njs=1 ijthsfwd=0.01 ijthsrev=0.001
+ bvs=10 xjbvs=1 jsd=0.0001 jswd=1e-11 jswgd=1e-10 njd=1
+ ijthdfwd=0.01 ijthdrev=0.001 bvd=10 xjbvd=1 pbs=1 cjs=0.0005
+ mjs=0.5 pbsws=1 cjsws=5e-10 mjsws=0.33 pbswgs=1 cjswgs=3e-10
+ mjswgs=0.33 pbd=1 cjd=0.0005 mjd=0.5 pbswd=1 cjswd=5e-10
+ mjswd=0.33 pbswgd=1 cjswgd=5e-10 mjswgd=0.33 tpb=0.005 tcj=0.001
+ tpbsw=0.005 tcjsw=0.001 tpbswg=0.005 tcjswg=0.001 xtis=3 xtid=3
* layout-dependent diffusion geometry
+ dmcg=0 dmci=0 dmdg=0 dmcgt=0 dwj=0 xgw=0
+ xgl=0
* body resistance network
+ gbmin=1e-10 rbpb=5 rbpd=15 rbps=15 rbdb=15 rbsb=15
+ ngcon=1

.model pmos pmos level=54
* model selectors
+ version=4.0 binunit=1 paramchk=1 mobmod=0 capmod=2 igcmod=1
+ igbmod=1 geomod=1 diomod=1 rdsmod=0 rbodymod=1 rgatemod=1
+ permod=1 acnqsmod=0 trnqsmod=0 fnoimod=1 tnoimod=0
* oxide and geometry offsets
+ tnom=27 toxe=1.4e-09 toxp=7e-10 toxm=1.4e-09 dtox=0 epsrox=3.9
+ toxref=1.4e-09 wint=5e-09 lint=1.2e-08 ll=0 wl=0 lln=1
+ wln=1 lw=0 ww=0 lwn=1 wwn=1 lwl=0
+ wwl=0 dwg=0 dwb=0 xpart=0
* doping and junction depth
+ xj=2e-08 ngate=5e+20 ndep=2.8e+18 nsd=1e+20 phin=0 lpe0=5.75e-08
+ lpeb=2.3e-10
* threshold voltage and short-channel effects
+ vth0=-0.22 vfb=0.55 k1=0.39 k2=0.05 k3=0 k3b=0
+ w0=2.5e-06 dvt0=3.9 dvt1=0.635 dvt2=-0.032 dvt0w=0 dvt1w=0
+ dvt2w=0 dsub=0.7 minv=0.05 voffl=0 dvtp0=5e-09 dvtp1=0.05
+ eta0=0.15 etab=0
* subthreshold
+ voff=-0.15 nfactor=2 cdsc=0.000258 cdscb=0 cdscd=6.1e-08 cit=0
* mobility
+ u0=0.0095 ua=1.6e-09 ub=8e-18 uc=4.6e-13
* velocity saturation, output conductance
+ vsat=90000 a0=1.2 ags=1e-20 a1=0 a2=1 b0=-1e-20
+ b1=0 keta=-0.047 pclm=0.55 pdiblc1=0.03 pdiblc2=0.0055 pdiblcb=3.4e-08
+ drout=0.56 pvag=1e-20 delta=0.014 pscbe1=814000000.0 pscbe2=9.58e-07 fprout=0.2
+ pdits=0.2 pditsd=0.23 pditsl=2300000.0
* source/drain and gate resistance
+ rsh=3 rdsw=250 rsw=160 rdw=160 rdswmin=0 rdwmin=0
+ rswmin=0 prwg=3.22e-08 prwb=6.8e-11 wr=1 rshg=0.4 xrcrg1=12
+ xrcrg2=5
* impact ionization and gate-induced drain leakage
+ alpha0=0.074 alpha1=0.005 beta0=30 agidl=0.0002 bgidl=2100000000.0 cgidl=0.0002
+ egidl=0.8
* gate tunneling current
+ aigbacc=0.012 bigbacc=0.0028 cigbacc=0.002 nigbacc=1 aigbinv=0.014 bigbinv=0.004
+ cigbinv=0.004 eigbinv=1.1 nigbinv=3 aigc=0.69 bigc=0.0012 cigc=0.0008
+ aigsd=0.0087 bigsd=0.0012 cigsd=0.0008 nigc=1 poxedge=1 pigcd=1
+ ntox=1
* capacitance
+ cgso=7.43e-10 cgdo=7.43e-10 cgbo=2.56e-11 cgdl=1e-14 cgsl=1e-14 ckappas=0.5
+ ckappad=0.5 acde=1 moin=15 noff=0.9 voffcv=0.02
* temperature dependence
+ kt1=-0.34 kt1l=0 kt2=-0.052 ute=-1.5 ua1=-1e-09 ub1=2e-18
+ uc1=0 prt=0 at=33000
* source/drain junction diodes
+ jss=0.0001 jsws=1e-11 jswgs=1e-10 njs=1 ijthsfwd=0.01 ijthsrev=0.001
+ bvs=10 xjbvs=1 jsd=0.0001 jswd=1e-11 jswgd=1e-10 njd=1
+ ijthdfwd=0.01 ijthdrev=0.001 bvd=10 xjbvd=1 pbs=1 cjs=0.0005
+ mjs=0.5 pbsws=1 cjsws=5e-10 mjsws=0.33 pbswgs=1 cjswgs=3e-10
+ mjswgs=0.33 pbd=1 cjd=0.0005 mjd=0.5 pbswd=1 cjswd=5e-10
+ mjswd=0.33 pbswgd=1 cjswgd=5e-10 mjswgd=0.33 tpb=0.005 tcj=0.001
+ tpbsw=0.005 tcjsw=0.001 tpbswg=0.005 tcjswg=0.001 xtis=3 xtid=3
* layout-dependent diffusion geometry
+ dmcg=5e-06 dmci=5e-06 dmdg=5e-06 dmcgt=6e-07 dwj=0 xgw=3e-07
+ xgl=4e-08
* body resistance network
+ gbmin=1e-10 rbpb=5 rbpd=15 rbps=15 rbdb=15 rbsb=15
+ ngcon=1
